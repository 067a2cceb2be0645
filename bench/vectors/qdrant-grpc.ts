import {
  create,
  createFileRegistry,
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ServerReflection,
  type ServerReflectionRequest,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { bucketKey, type SearchFilter } from "./data.js";

/** Qdrant's gRPC `Search`, as the running server describes it. */
export interface QdrantSearchCodec {
  /** `qdrant.Points/Search`. */
  readonly method: string;
  /** The `FileDescriptorSet` (binary) of Qdrant's API, for ghz's `--protoset`. */
  readonly protoset: Uint8Array;
  /** An encoded `SearchPoints`. */
  encode(search: QdrantSearch): Uint8Array;
  /** The point ids (Qdrant's integer ids) of an encoded `SearchResponse`, best first. */
  hitIds(response: Uint8Array): number[];
}

/** One search on a collection of the benchmark. */
export interface QdrantSearch {
  readonly collection: string;
  readonly vector: Float32Array;
  readonly limit: number;
  /** `hnsw_ef`. */
  readonly ef: number;
  readonly filter?: SearchFilter;
}

/**
 * Reads Qdrant's API from the server itself over gRPC reflection (Qdrant serves it,
 * behind its API key): the file that declares `qdrant.Points` and every file it imports.
 * No copy of Qdrant's protos is kept in this repository, and the descriptors are exactly
 * those of the server measured.
 */
export async function qdrantSearchCodec(
  address: string,
  apiKey: string,
): Promise<QdrantSearchCodec> {
  const set = create(FileDescriptorSetSchema, {
    file: await reflectFiles(address, apiKey, "qdrant.Points"),
  });
  const registry = createFileRegistry(set);
  const message = (name: string): DescMessage => {
    const found = registry.getMessage(name);
    if (found === undefined) throw new Error(`Qdrant's reflection did not describe ${name}`);
    return found;
  };
  const request = message("qdrant.SearchPoints");
  const response = message("qdrant.SearchResponse");
  return {
    method: "qdrant.Points/Search",
    protoset: toBinary(FileDescriptorSetSchema, set),
    encode: (search) => toBinary(request, fromJson(request, searchJson(search))),
    hitIds: (bytes) => {
      const json = toJson(response, fromBinary(response, bytes)) as {
        result?: { id?: { num?: string } }[];
      };
      return (json.result ?? []).map((hit) => Number(hit.id?.num ?? Number.NaN));
    },
  };
}

/** `SearchPoints` in protobuf JSON: no payload, no vector, Qdrant's own filter form. */
function searchJson(search: QdrantSearch): JsonValue {
  return {
    collectionName: search.collection,
    vector: Array.from(search.vector),
    limit: search.limit,
    params: { hnswEf: search.ef, exact: false },
    ...(search.filter === undefined ? {} : { filter: qdrantFilter(search.filter) }),
  };
}

function qdrantFilter(filter: SearchFilter): JsonValue {
  const field: JsonValue =
    "equals" in filter.test
      ? { key: bucketKey, match: { integer: filter.test.equals } }
      : { key: bucketKey, range: { lt: filter.test.below } };
  return { must: [{ field }] };
}

/** The file declaring `symbol` and, transitively, every file it imports. */
async function reflectFiles(
  address: string,
  apiKey: string,
  symbol: string,
): Promise<FileDescriptorProto[]> {
  const transport = createGrpcTransport({
    baseUrl: `http://${address}`,
    interceptors: [
      (next) => (request) => {
        request.header.set("api-key", apiKey);
        return next(request);
      },
    ],
  });
  const client = createClient(ServerReflection, transport);
  const ask = async (
    messageRequest: ServerReflectionRequest["messageRequest"],
  ): Promise<FileDescriptorProto[]> => {
    async function* one() {
      yield { messageRequest };
    }
    for await (const answer of client.serverReflectionInfo(one())) {
      const reply = answer.messageResponse;
      if (reply.case === "fileDescriptorResponse") {
        return reply.value.fileDescriptorProto.map((bytes) =>
          fromBinary(FileDescriptorProtoSchema, bytes),
        );
      }
      throw new Error(
        `reflection of ${messageRequest.value}: ${reply.case === "errorResponse" ? reply.value.errorMessage : "no file"}`,
      );
    }
    throw new Error(`reflection of ${messageRequest.value}: no answer`);
  };
  const files = new Map<string, FileDescriptorProto>();
  const add = (found: readonly FileDescriptorProto[]) => {
    for (const file of found) files.set(file.name, file);
  };
  add(await ask({ case: "fileContainingSymbol", value: symbol }));
  for (let missing = missingImports(files); missing.length > 0; missing = missingImports(files)) {
    for (const name of missing) add(await ask({ case: "fileByFilename", value: name }));
  }
  return dependenciesFirst(files);
}

/** The files ordered so that each comes after every file it imports. */
function dependenciesFirst(files: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (file: FileDescriptorProto): void => {
    if (placed.has(file.name)) return;
    placed.add(file.name);
    for (const name of file.dependency) {
      const dependency = files.get(name);
      if (dependency !== undefined) place(dependency);
    }
    ordered.push(file);
  };
  for (const file of files.values()) place(file);
  return ordered;
}

function missingImports(files: ReadonlyMap<string, FileDescriptorProto>): string[] {
  const wanted = new Set([...files.values()].flatMap((file) => file.dependency));
  return [...wanted].filter((name) => !files.has(name));
}
