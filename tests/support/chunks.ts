import { create, type MessageInitShape, toBinary, toJsonString } from "@bufbuild/protobuf";
import type { EventSchema } from "../../gen/ragplane/v1/events_pb.js";
import { type Chunk, ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { chunkContentTypes } from "../../server/ingestion/chunk.js";

/** A chunk as the tests write it: a plain object, not a message. */
export type ChunkInit = Exclude<MessageInitShape<typeof ChunkSchema>, Chunk>;

const utf8 = new TextEncoder();

/** A Publish event carrying `chunk` in its JSON form (or binary with `binary`). */
export function chunkEvent(
  id: string,
  chunk: ChunkInit,
  options: { readonly key?: string; readonly binary?: boolean } = {},
): MessageInitShape<typeof EventSchema> {
  const message = create(ChunkSchema, chunk);
  return {
    id,
    key: options.key ?? "",
    payload: options.binary
      ? toBinary(ChunkSchema, message)
      : utf8.encode(toJsonString(ChunkSchema, message)),
    contentType: options.binary ? chunkContentTypes.protobuf : chunkContentTypes.json,
  };
}

/** A chunk of `documentId` with a vector, one entity per name and a relation between the first two. */
export function sampleChunk(
  documentId: string,
  chunkId: string,
  vector: number[],
  entities: readonly string[] = [],
): ChunkInit {
  const [first, second] = entities;
  return {
    documentId,
    chunkId,
    text: `text of ${documentId}/${chunkId}`,
    vector,
    payload: { lang: "en" },
    entities: entities.map((id) => ({ id, labels: ["Entity"] })),
    relations:
      first !== undefined && second !== undefined
        ? [{ fromId: first, toId: second, type: "MENTIONS" }]
        : [],
  };
}
