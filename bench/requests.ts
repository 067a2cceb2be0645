import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { PointInput } from "../clients/vectors/port.js";
import {
  SearchRequestSchema,
  SearchResponseSchema,
  UpsertRequestSchema,
  VectorsService,
} from "../gen/ragplane/v1/vectors_pb.js";
import type { Dataset } from "./dataset.js";

/** gRPC paths of the VectorsService methods the benchmark drives with raw bytes. */
export const vectorsPaths = {
  search: `/${VectorsService.typeName}/${VectorsService.method.search.name}`,
  upsert: `/${VectorsService.typeName}/${VectorsService.method.upsert.name}`,
} as const;

/** The dataset's points in batches of `size`, as the VectorStore port takes them. */
export function pointBatches(dataset: Dataset, size: number): PointInput[][] {
  const batches: PointInput[][] = [];
  for (let start = 0; start < dataset.ids.length; start += size) {
    const batch: PointInput[] = [];
    for (let i = start; i < Math.min(start + size, dataset.ids.length); i++) {
      batch.push({
        id: dataset.ids[i]!,
        vector: dataset.vectors[i]!,
        payload: { cluster: dataset.clusterOf[i]! },
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Encoded `UpsertRequest`s, one per batch. */
export function encodeUpserts(collection: string, batches: readonly PointInput[][]): Buffer[] {
  return batches.map((points) =>
    Buffer.from(
      toBinary(
        UpsertRequestSchema,
        create(UpsertRequestSchema, {
          collection,
          points: points.map((point) => ({
            id: point.id,
            vector: Array.from(point.vector),
            payload: point.payload,
          })),
        }),
      ),
    ),
  );
}

/** Encoded `SearchRequest`s, one per query vector. */
export function encodeSearches(
  collection: string,
  queries: readonly number[][],
  limit: number,
  exact: boolean,
): Buffer[] {
  return queries.map((vector) =>
    Buffer.from(
      toBinary(
        SearchRequestSchema,
        create(SearchRequestSchema, { collection, vector, limit, exact }),
      ),
    ),
  );
}

/** The hit ids of an encoded `SearchResponse`, best first. */
export function hitIds(response: Uint8Array): string[] {
  return fromBinary(SearchResponseSchema, response).hits.map((hit) => hit.id);
}

/** Size of an encoded `SearchResponse` with `limit` hits of ids like the dataset's. */
export function searchResponseBytes(dataset: Dataset, limit: number): number {
  const hits = dataset.ids.slice(0, limit).map((id) => ({ id, score: 0.5 }));
  return toBinary(SearchResponseSchema, create(SearchResponseSchema, { hits })).length;
}
