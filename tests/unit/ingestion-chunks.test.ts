import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../clients/events/port.js";
import { ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { chunkContentTypes, decodeEvent } from "../../server/ingestion/chunk.js";
import { checkChunk, describeViolations } from "../../server/ingestion/chunk-checks.js";
import { deadLetterHeaders, deadLetterOf } from "../../server/ingestion/dead-letters.js";
import { outsideEndpoints, writesOf } from "../../server/ingestion/writes.js";
import { lineageKeys } from "../../server/lineage/fields.js";
import { type ChunkInit, sampleChunk } from "../support/chunks.js";

const utf8 = new TextEncoder();

function stored(payload: Uint8Array, contentType: string, extra: Partial<StoredEvent> = {}) {
  return {
    id: "e1",
    key: "k",
    payload,
    contentType,
    headers: {},
    subject: "",
    time: new Date(1_700_000_000_000),
    partition: 1,
    offset: 7n,
    ...extra,
  } satisfies StoredEvent;
}

const chunkOf = (init: ChunkInit) => create(ChunkSchema, init);
const fields = (init: ChunkInit) => checkChunk(chunkOf(init)).map((v) => v.field);

describe("decodeEvent", () => {
  const chunk = chunkOf(sampleChunk("doc", "1", [1, 2, 3], ["a", "b"]));

  it("reads a chunk in binary and in JSON, whatever the content type's case and parameters", () => {
    const binary = decodeEvent(stored(toBinary(ChunkSchema, chunk), chunkContentTypes.protobuf));
    const json = decodeEvent(
      stored(
        utf8.encode(toJsonString(ChunkSchema, chunk)),
        "Application/VND.ragplane.chunk+json; charset=utf-8",
      ),
    );
    expect(binary).toEqual({ kind: "chunk", chunk });
    expect(json).toEqual({ kind: "chunk", chunk });
  });

  it("skips other content types and calls a payload that is no chunk undecodable", () => {
    expect(decodeEvent(stored(utf8.encode("hi"), "text/plain"))).toEqual({
      kind: "skipped",
      contentType: "text/plain",
    });
    const broken = decodeEvent(stored(utf8.encode('{"vector": "x"}'), chunkContentTypes.json));
    expect(broken.kind).toBe("undecodable");
    const garbage = decodeEvent(
      stored(new Uint8Array([0xff, 0xff, 0xff]), chunkContentTypes.protobuf),
    );
    expect(garbage.kind).toBe("undecodable");
  });
});

describe("checkChunk", () => {
  it("accepts a well-formed chunk, and one without vector (graph facts only)", () => {
    expect(fields(sampleChunk("doc", "1", [1, 2, 3], ["a", "b"]))).toEqual([]);
    expect(fields(sampleChunk("doc", "1", [], ["a"]))).toEqual([]);
  });

  it("refuses ids out of their byte limits, long text and non-finite vectors", () => {
    expect(
      fields({
        ...sampleChunk("d".repeat(129), "c".repeat(128), [1, Number.NaN]),
        text: "t".repeat(64 * 1024 + 1),
      }),
    ).toEqual(["document_id", "chunk_id", "text", "vector[1]"]);
    expect(fields(sampleChunk("", "1", [1]))).toEqual(["document_id"]);
  });

  it("refuses payload keys ingestion writes and reserved ones", () => {
    const violations = checkChunk(
      chunkOf({ ...sampleChunk("d", "1", [1]), payload: { text: "x", _rp_secret: 1, ok: 2 } }),
    );
    expect(violations.map((v) => v.field).sort()).toEqual([
      'payload["_rp_secret"]',
      'payload["text"]',
    ]);
    expect(describeViolations(violations)).toMatch(/^invalid chunk: payload/);
  });

  it("checks entities and relations as UpsertNodes and UpsertRelationships do, under the chunk's field names", () => {
    const chunk: ChunkInit = {
      ...sampleChunk("d", "1", [1], ["a", "b"]),
      entities: [{ id: "a" }, { id: "b", labels: ["not a label"] }],
      relations: [
        { fromId: "a", toId: "b", type: "OK" },
        { fromId: "a", toId: "", type: "bad type" },
      ],
    };
    expect(fields(chunk)).toEqual([
      "entities[1].labels[0]",
      "relations[1].to_id",
      "relations[1].type",
    ]);
    expect(
      fields({ ...chunk, entities: Array.from({ length: 257 }, (_, i) => ({ id: `${i}` })) }),
    ).toContain("entities");
  });
});

describe("writes", () => {
  it("derives the point id from the chunk and adds the chunk's keys and lineage to its payload", () => {
    const event = stored(new Uint8Array(), chunkContentTypes.json);
    const chunk = chunkOf(sampleChunk("doc", "1", [1, 2, 3], ["a", "b"]));
    const now = new Date(1_800_000_000_000);
    const writes = writesOf("t", [{ event, chunk }], { collection: "c", graph: true }, now);
    expect(writes.points).toHaveLength(1);
    expect(writes.points[0]?.id).toBe("doc/1");
    expect(writes.points[0]?.payload).toMatchObject({
      lang: "en",
      document_id: "doc",
      chunk_id: "1",
      entity_ids: ["a", "b"],
      [lineageKeys.topic]: "t",
      [lineageKeys.partition]: 1,
      [lineageKeys.offset]: "7",
      [lineageKeys.eventId]: "e1",
      [lineageKeys.eventTime]: 1_700_000_000_000,
      [lineageKeys.projectedTime]: 1_800_000_000_000,
    });
    expect(writes.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(writes.relationships[0]?.properties[lineageKeys.eventId]).toBe("e1");
    const vectorsOnly = writesOf("t", [{ event, chunk }], { collection: "c", graph: false }, now);
    expect([vectorsOnly.nodes, vectorsOnly.relationships]).toEqual([[], []]);
    expect(
      outsideEndpoints(
        chunkOf({
          ...sampleChunk("d", "1", [], ["a"]),
          relations: [{ fromId: "a", toId: "z", type: "R" }],
        }),
      ),
    ).toEqual(["z"]);
  });

  it("makes a dead letter of the original event with the reason and position, under a derived id", () => {
    const event = stored(utf8.encode("x"), "text/x", { headers: { trace: "1" } });
    const letter = deadLetterOf("docs", { event, kind: "invalid", reason: "bad" });
    expect(letter).toMatchObject({
      id: "docs:1:7",
      key: "k",
      contentType: "text/x",
      headers: {
        trace: "1",
        [deadLetterHeaders.reason]: "bad",
        [deadLetterHeaders.kind]: "invalid",
        [deadLetterHeaders.topic]: "docs",
        [deadLetterHeaders.partition]: "1",
        [deadLetterHeaders.offset]: "7",
        [deadLetterHeaders.eventId]: "e1",
      },
    });
  });
});
