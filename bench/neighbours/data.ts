import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import type { Dataset } from "../dataset.js";
import type { BenchGraph } from "../engines/graph.js";
import { type GraphLoad, loadGraph } from "../engines/graph-load.js";
import { BytesClient } from "../grpc-client.js";
import { encodeUpserts, pointBatches, vectorsPaths } from "../requests.js";

/** How long loading one tenant's data through the API took. */
export interface TenantLoad {
  readonly graph: GraphLoad;
  /** Creating the collection and upserting every point, in ms. */
  readonly vectorsMs: number;
  readonly vectorCalls: number;
}

/** How a tenant's data is loaded. */
export interface TenantData {
  readonly headers: Readonly<Record<string, string>>;
  readonly graph: BenchGraph;
  readonly collection: string;
  readonly vectors: Dataset;
  /** Items per UpsertNodes / UpsertRelationships. */
  readonly graphBatch: number;
  /** Points per Upsert. */
  readonly vectorBatch: number;
}

/**
 * Loads a tenant's graph (UpsertNodes, then UpsertRelationships, one call at a time) and
 * its collection (CreateCollection, cosine, then Upserts one at a time) through the
 * server's grpc-js port with the tenant's credentials, and checks the collection's point
 * count.
 */
export async function loadTenant(server: BenchChild, data: TenantData): Promise<TenantLoad> {
  const graph = await loadGraph({ ...server, headers: data.headers }, data.graph, data.graphBatch);
  const address = `127.0.0.1:${server.port}`;
  const transport = createGrpcJsTransport(address);
  const bytes = new BytesClient(address, data.headers);
  try {
    const vectors = createClient(VectorsService, withHeaders(transport, data.headers));
    const started = performance.now();
    await vectors.createCollection({
      name: data.collection,
      dimension: data.vectors.spec.dimension,
      distance: Distance.COSINE,
    });
    const upserts = encodeUpserts(data.collection, pointBatches(data.vectors, data.vectorBatch));
    await bytes.ready();
    for (const upsert of upserts) await bytes.call(vectorsPaths.upsert, upsert);
    const vectorsMs = performance.now() - started;
    const { collection } = await vectors.getCollection({ name: data.collection });
    if (Number(collection?.pointCount) !== data.vectors.spec.points) {
      throw new Error(
        `${data.collection}: expected ${data.vectors.spec.points} points, found ${collection?.pointCount}`,
      );
    }
    return { graph, vectorsMs, vectorCalls: upserts.length + 1 };
  } finally {
    bytes.close();
    transport.close();
  }
}
