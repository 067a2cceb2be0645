import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DescMessage, fromJson, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import {
  CreateCollectionRequestSchema,
  GetRequestSchema,
  ScrollRequestSchema,
  SearchRequestSchema,
  UpsertRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import type { ServiceContext } from "../../server/services/context.js";
import { createVectorsService } from "../../server/services/vectors/service.js";
import { vectorsValidators } from "../../server/services/vectors/validate.js";

function parse<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> {
  return fromJson(schema, json);
}

const context: ServiceContext = {
  tenant: "acme",
  signal: new AbortController().signal,
  deadline: undefined,
  requestId: "test-request",
  peer: "127.0.0.1:1",
  principal: undefined,
};

describe("VectorsService: subjects and sensitive fields", () => {
  let dataDir: string;
  let store: EmbeddedVectorStore;
  let service: ReturnType<typeof createVectorsService>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ragplane-vectors-subjects-"));
    store = await EmbeddedVectorStore.open({ dataDir });
    service = createVectorsService(store);
  });

  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates a collection with sensitive fields and reports them", async () => {
    const created = await service.createCollection(
      parse(CreateCollectionRequestSchema, {
        name: "people",
        dimension: 2,
        distance: "DISTANCE_DOT",
        sensitiveFields: ["ssn", "address"],
      }),
      context,
    );
    expect(created.collection?.sensitiveFields).toEqual(["ssn", "address"]);
    expect((await store.getCollection("acme", "people")).sensitiveFields).toEqual([
      "ssn",
      "address",
    ]);
  });

  it("stores Point.subject beside the payload and maps it back on Get, Scroll and Search", async () => {
    await service.createCollection(
      parse(CreateCollectionRequestSchema, {
        name: "docs",
        dimension: 2,
        distance: "DISTANCE_DOT",
      }),
      context,
    );
    await service.upsert(
      parse(UpsertRequestSchema, {
        collection: "docs",
        points: [
          { id: "a", vector: [1, 0], payload: { n: 1 }, subject: "person-1" },
          { id: "b", vector: [0, 1], payload: { n: 2 } },
        ],
      }),
      context,
    );
    expect(await store.get("acme", "docs", ["a", "b"], { withVector: false })).toEqual([
      { id: "a", payload: { n: 1 }, subject: "person-1" },
      { id: "b", payload: { n: 2 } },
    ]);
    const got = await service.get(
      parse(GetRequestSchema, { collection: "docs", ids: ["a", "b"] }),
      context,
    );
    expect((got.points ?? []).map((p) => [p.id, p.subject ?? ""])).toEqual([
      ["a", "person-1"],
      ["b", ""],
    ]);
    const scrolled = await service.scroll(
      parse(ScrollRequestSchema, { collection: "docs", withPayload: true }),
      context,
    );
    expect((scrolled.points ?? []).map((p) => p.subject ?? "")).toEqual(["person-1", ""]);
    const withPayload = await service.search(
      parse(SearchRequestSchema, { collection: "docs", vector: [1, 0], withPayload: true }),
      context,
    );
    expect((withPayload.hits ?? []).map((h) => [h.id, h.subject ?? ""])).toEqual([
      ["a", "person-1"],
      ["b", ""],
    ]);
    const bare = await service.search(
      parse(SearchRequestSchema, { collection: "docs", vector: [1, 0] }),
      context,
    );
    expect((bare.hits ?? []).map((h) => h.subject ?? "")).toEqual(["", ""]);
  });
});

describe("vectorsValidators: subjects and sensitive fields", () => {
  const fields = (violations: { field: string; description: string }[]) =>
    violations.map((v) => v.field);
  const create = (json: Record<string, JsonValue>) =>
    vectorsValidators.createCollection(
      parse(CreateCollectionRequestSchema, {
        name: "people",
        dimension: 2,
        distance: "DISTANCE_DOT",
        ...json,
      }),
    );

  it("takes a point's subject of at most 256 UTF-8 bytes", () => {
    const upsert = (subject: string) =>
      fields(
        vectorsValidators.upsert(
          parse(UpsertRequestSchema, {
            collection: "docs",
            points: [{ id: "a", vector: [1], subject }],
          }),
        ),
      );
    expect(upsert("person-1")).toEqual([]);
    expect(upsert("é".repeat(128))).toEqual([]);
    expect(upsert("é".repeat(129))).toEqual(["points[0].subject"]);
    expect(upsert("x".repeat(257))).toEqual(["points[0].subject"]);
  });

  it("takes up to 64 distinct sensitive fields of 1 to 256 bytes", () => {
    expect(create({ sensitiveFields: ["ssn", "address", "a.b"] })).toEqual([]);
    const many = Array.from({ length: 65 }, (_, i) => `f${i}`);
    expect(fields(create({ sensitiveFields: many }))).toEqual(["sensitive_fields"]);
    expect(
      fields(create({ sensitiveFields: ["ok", "", "x".repeat(257), "ok", "_rp_lineage"] })),
    ).toEqual([
      "sensitive_fields[1]",
      "sensitive_fields[2]",
      "sensitive_fields[3]",
      "sensitive_fields[4]",
    ]);
  });

  it("refuses a sensitive field that a payload index covers", () => {
    const violations = create({
      sensitiveFields: ["ssn", "lang", "meta"],
      payloadIndexes: [
        { key: "lang", type: "PAYLOAD_INDEX_TYPE_KEYWORD" },
        { key: "meta.country", type: "PAYLOAD_INDEX_TYPE_KEYWORD" },
      ],
    });
    expect(fields(violations)).toEqual(["sensitive_fields[1]", "sensitive_fields[2]"]);
    expect(violations[0]?.description).toContain("payload index");
  });
});
