import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import type { StoredEvent } from "../../clients/events/port.js";
import { type Chunk, ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";

/** The content types the projector reads, as a `Chunk` in binary or in its JSON form. */
export const chunkContentTypes = {
  protobuf: "application/vnd.ragplane.chunk+protobuf",
  json: "application/vnd.ragplane.chunk+json",
} as const;

/** What an event holds for the projector. */
export type DecodedEvent =
  | { readonly kind: "chunk"; readonly chunk: Chunk }
  | { readonly kind: "skipped"; readonly contentType: string }
  | { readonly kind: "undecodable"; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes an event's payload by its content type (parameters such as `; charset=utf-8`
 * and letter case ignored). Events of any other content type are `skipped`; a payload
 * that is not a `Chunk` of its content type is `undecodable`, with the reason.
 */
export function decodeEvent(event: StoredEvent): DecodedEvent {
  const mediaType = (event.contentType.split(";")[0] ?? "").trim().toLowerCase();
  try {
    if (mediaType === chunkContentTypes.protobuf) {
      return { kind: "chunk", chunk: fromBinary(ChunkSchema, event.payload) };
    }
    if (mediaType === chunkContentTypes.json) {
      return { kind: "chunk", chunk: fromJsonString(ChunkSchema, utf8.decode(event.payload)) };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: "undecodable", reason: `not a ${mediaType}: ${reason}` };
  }
  return { kind: "skipped", contentType: event.contentType };
}
