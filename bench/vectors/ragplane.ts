import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  type ConditionSchema,
  Distance,
  type FilterSchema,
  PayloadIndexType,
  SearchRequestSchema,
  UpsertRequestSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import { BytesClient } from "../grpc-client.js";
import { hitIds, vectorsPaths } from "../requests.js";
import { bucketKey, type SearchFilter, type VectorData } from "./data.js";
import { inBatches, runInFlight } from "./loading.js";

/** A ragplane server reached over gRPC with its credentials. */
export interface RagplaneTarget {
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Creates a cosine collection through ragplane's public API, with an integer payload
 * index on `bucket`, and loads every point through Upserts of `batchSize` (two in
 * flight), each point's payload its cluster and bucket; checks the point count
 * GetCollection reports. ragplane's API has no HNSW or indexing settings: the engine's
 * own apply.
 */
export async function loadThroughRagplane(
  target: RagplaneTarget,
  collection: string,
  data: Omit<VectorData, "queries">,
  batchSize: number,
): Promise<void> {
  const address = `127.0.0.1:${target.port}`;
  const transport = createGrpcJsTransport(address);
  const client = new BytesClient(address, target.headers);
  try {
    const control = createClient(VectorsService, withHeaders(transport, target.headers));
    await control.createCollection({
      name: collection,
      dimension: data.flat.spec.dimension,
      distance: Distance.COSINE,
      payloadIndexes: [{ key: bucketKey, type: PayloadIndexType.INTEGER }],
    });
    const d = data.flat.spec.dimension;
    await runInFlight(inBatches(data.flat.spec.points, batchSize), 2, async ([start, end]) => {
      const points = [];
      for (let i = start; i < end; i++) {
        points.push({
          id: data.flat.ids[i]!,
          vector: Array.from(data.flat.vectors.subarray(i * d, (i + 1) * d)),
          payload: { cluster: data.flat.clusterOf[i]!, [bucketKey]: data.bucketOf[i]! },
        });
      }
      const request = create(UpsertRequestSchema, { collection, points });
      await client.call(vectorsPaths.upsert, Buffer.from(toBinary(UpsertRequestSchema, request)));
    });
    const { collection: loaded } = await control.getCollection({ name: collection });
    if (Number(loaded?.pointCount) !== data.flat.spec.points) {
      throw new Error(
        `ragplane collection ${collection}: expected ${data.flat.spec.points} points, GetCollection says ${loaded?.pointCount}`,
      );
    }
  } finally {
    client.close();
    transport.close();
  }
}

/** An encoded ragplane `SearchRequest`: no payload, no vector, approximate. */
export function encodeRagplaneSearch(
  collection: string,
  vector: Float32Array,
  limit: number,
  filter: SearchFilter | undefined,
): Uint8Array {
  return toBinary(
    SearchRequestSchema,
    create(SearchRequestSchema, {
      collection,
      vector: Array.from(vector),
      limit,
      ...(filter === undefined ? {} : { filter: ragplaneFilter(filter) }),
    }),
  );
}

/** The hit ids of an encoded ragplane `SearchResponse`, best first. */
export function ragplaneHitIds(response: Uint8Array): string[] {
  return hitIds(response);
}

function ragplaneFilter(filter: SearchFilter): MessageInitShape<typeof FilterSchema> {
  const condition: MessageInitShape<typeof ConditionSchema> =
    "equals" in filter.test
      ? {
          key: bucketKey,
          test: {
            case: "match",
            value: { value: { kind: { case: "numberValue", value: filter.test.equals } } },
          },
        }
      : { key: bucketKey, test: { case: "range", value: { lt: filter.test.below } } };
  return { must: [condition] };
}
