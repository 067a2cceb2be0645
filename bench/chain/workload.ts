import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  Distance,
  GetCollectionRequestSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import type { Dataset } from "../dataset.js";
import type { GhzPath } from "../ghz-rounds.js";
import { BytesClient } from "../grpc-client.js";
import { encodeSearches, encodeUpserts, hitIds, pointBatches, vectorsPaths } from "../requests.js";
import type { ChainBenchOptions } from "./options.js";

/** The two RPCs measured: a cheap read where the chain shows most, and a small Search. */
export const chainRpcs = ["GetCollection", "Search"] as const;

/** One of {@link chainRpcs}. */
export type ChainRpc = (typeof chainRpcs)[number];

/** A loaded server, ready to be measured. */
export interface PreparedServer {
  /** The measured calls of each RPC, named `<rpc>/<configuration>`, for ghz. */
  readonly paths: Readonly<Record<ChainRpc, GhzPath>>;
  /**
   * What the server answered to a GetCollection without credentials: `Unauthenticated`
   * from the full chain, `OK` from the empty one.
   */
  readonly withoutCredentials: string;
  /** The server's GetCollectionResponse as sent on the wire (for the echo baseline). */
  readonly getCollectionResponse: Buffer;
  /** Closes the clients. */
  close(): void;
}

const collection = "bench";
const getCollectionMethod = `${VectorsService.typeName}/${VectorsService.method.getCollection.name}`;

/** GetCollection's gRPC path, which the echo baseline answers too. */
export const getCollectionPath = `/${getCollectionMethod}`;

/**
 * The GetCollection path on a bare grpc-js echo server answering with a response of the
 * same size: what the transport alone costs for the cheapest RPC.
 */
export function echoGetCollectionPath(echo: BenchChild, points: number): GhzPath {
  return {
    name: pathName("GetCollection", "bare-echo"),
    description: `GetCollection's request to a bare grpc-js server answering ${points}-point collection's response bytes`,
    server: echo,
    call: { method: getCollectionMethod, messages: [{ name: collection }] },
  };
}

/** The path name of `rpc` on `configuration`. */
export function pathName(rpc: ChainRpc, configuration: string): string {
  return `${rpc}/${configuration}`;
}

/**
 * Creates the collection on `server` and loads the dataset through Upserts (with the
 * server's credentials), checks the point count and a Search's hit count, asks once
 * without credentials, and returns the measured calls for ghz: GetCollection of that
 * collection, and Search over the dataset's queries in turn.
 */
export async function prepareServer(
  configuration: string,
  server: BenchChild,
  dataset: Dataset,
  options: ChainBenchOptions,
): Promise<PreparedServer> {
  const address = `127.0.0.1:${server.port}`;
  const transport = createGrpcJsTransport(address);
  const client = new BytesClient(address, server.headers);
  const close = (): void => {
    client.close();
    transport.close();
  };
  const searches = encodeSearches(collection, dataset.queries, options.limit, false);
  let withoutCredentials: string;
  let getCollectionResponse: Buffer;
  try {
    await client.ready();
    const control = createClient(VectorsService, withHeaders(transport, server.headers));
    await control.createCollection({
      name: collection,
      dimension: dataset.spec.dimension,
      distance: Distance.COSINE,
    });
    for (const batch of encodeUpserts(collection, pointBatches(dataset, options.batchSize))) {
      await client.call(vectorsPaths.upsert, batch);
    }
    const { collection: loaded } = await control.getCollection({ name: collection });
    if (Number(loaded?.pointCount) !== dataset.spec.points) {
      throw new Error(
        `${configuration}: expected ${dataset.spec.points} points, found ${loaded?.pointCount}`,
      );
    }
    getCollectionResponse = await client.call(
      getCollectionPath,
      Buffer.from(
        toBinary(
          GetCollectionRequestSchema,
          create(GetCollectionRequestSchema, { name: collection }),
        ),
      ),
    );
    const hits = hitIds(await client.call(vectorsPaths.search, searches[0]!)).length;
    if (hits !== options.limit) {
      throw new Error(`${configuration}: a Search found ${hits} hits, expected ${options.limit}`);
    }
    withoutCredentials = await createClient(VectorsService, transport)
      .getCollection({ name: collection })
      .then(
        () => "OK",
        (error: unknown) => (error instanceof ConnectError ? Code[error.code] : String(error)),
      );
  } catch (error) {
    close();
    throw error;
  }
  return {
    withoutCredentials,
    getCollectionResponse,
    paths: {
      GetCollection: {
        name: pathName("GetCollection", configuration),
        description: `GetCollection of a ${dataset.spec.points}-point collection`,
        server,
        call: { method: getCollectionMethod, messages: [{ name: collection }] },
      },
      Search: {
        name: pathName("Search", configuration),
        description: `Search, ${dataset.spec.points} × ${dataset.spec.dimension} dims, limit ${options.limit}`,
        server,
        call: {
          method: `${VectorsService.typeName}/${VectorsService.method.search.name}`,
          messages: dataset.queries.map((vector) => ({ collection, vector, limit: options.limit })),
        },
      },
    },
    close,
  };
}
