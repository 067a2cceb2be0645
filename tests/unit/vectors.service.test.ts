import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DescMessage, fromJson, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, PreconditionError } from "../../clients/errors.js";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import {
  CountRequestSchema,
  CreateCollectionRequestSchema,
  DeleteCollectionRequestSchema,
  DeleteRequestSchema,
  Distance,
  GetCollectionRequestSchema,
  GetRequestSchema,
  ListCollectionsRequestSchema,
  PayloadIndexType,
  ScrollRequestSchema,
  SearchRequestSchema,
  UpsertRequestSchema,
  UpsertStreamRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import type { ServiceContext } from "../../server/services/context.js";
import { createVectorsService } from "../../server/services/vectors/service.js";

function parse<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> {
  return fromJson(schema, json);
}

let dataDir: string;
let store: EmbeddedVectorStore;
let service: ReturnType<typeof createVectorsService>;
const context: ServiceContext = {
  tenant: "acme",
  signal: new AbortController().signal,
  deadline: undefined,
  requestId: "test-request",
  peer: "127.0.0.1:1",
  principal: undefined,
};

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-vectors-service-"));
  store = await EmbeddedVectorStore.open({ dataDir });
  service = createVectorsService(store);
  await service.createCollection(
    parse(CreateCollectionRequestSchema, {
      name: "docs",
      dimension: 2,
      distance: "DISTANCE_EUCLID",
      payloadIndexes: [{ key: "lang", type: "PAYLOAD_INDEX_TYPE_KEYWORD" }],
    }),
    context,
  );
  await service.upsert(
    parse(UpsertRequestSchema, {
      collection: "docs",
      points: [
        { id: "a", vector: [0, 0], payload: { lang: "en", n: 1 } },
        { id: "b", vector: [3, 4], payload: { lang: "de", n: 2 } },
        { id: "c", vector: [6, 8] },
      ],
    }),
    context,
  );
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("createVectorsService", () => {
  it("maps collections to messages, with enums and a bigint point count", async () => {
    const got = await service.getCollection(
      parse(GetCollectionRequestSchema, { name: "docs" }),
      context,
    );
    expect(got.collection).toEqual({
      name: "docs",
      dimension: 2,
      distance: Distance.EUCLID,
      payloadIndexes: [{ key: "lang", type: PayloadIndexType.KEYWORD }],
      pointCount: 3n,
      index: { hnswM: 16, hnswEfConstruct: 128 },
      sensitiveFields: [],
    });
  });

  it("pages collections with opaque tokens", async () => {
    await service.createCollection(
      parse(CreateCollectionRequestSchema, {
        name: "more",
        dimension: 1,
        distance: "DISTANCE_DOT",
      }),
      context,
    );
    const first = await service.listCollections(
      parse(ListCollectionsRequestSchema, { pageSize: 1 }),
      context,
    );
    expect(first.collections?.map((c) => c.name)).toEqual(["docs"]);
    expect(first.nextPageToken).not.toBe("");
    expect(first.nextPageToken).not.toContain("docs");
    const second = await service.listCollections(
      parse(ListCollectionsRequestSchema, {
        pageSize: 1,
        pageToken: first.nextPageToken as string,
      }),
      context,
    );
    expect(second.collections?.map((c) => c.name)).toEqual(["more"]);
    expect(second.nextPageToken).toBe("");
  });

  it("searches with filters and thresholds converted from messages", async () => {
    const found = await service.search(
      parse(SearchRequestSchema, {
        collection: "docs",
        vector: [0, 0],
        scoreThreshold: 5,
        withPayload: true,
        withVector: true,
        filter: { mustNot: [{ key: "lang", match: { value: "de" } }] },
      }),
      context,
    );
    expect(found.hits).toEqual([
      { id: "a", score: 0, vector: [0, 0], payload: { lang: "en", n: 1 } },
    ]);
    const bare = await service.search(
      parse(SearchRequestSchema, { collection: "docs", vector: [0, 0] }),
      context,
    );
    expect(bare.hits).toEqual([
      { id: "a", score: 0, vector: [] },
      { id: "b", score: 5, vector: [] },
      { id: "c", score: 10, vector: [] },
    ]);
  });

  it("counts, gets, scrolls and deletes", async () => {
    const counted = await service.count(
      parse(CountRequestSchema, {
        collection: "docs",
        filter: { must: [{ key: "n", range: { gte: 2 } }] },
      }),
      context,
    );
    expect(counted.count).toBe(1n);
    const got = await service.get(
      parse(GetRequestSchema, { collection: "docs", ids: ["c", "a"] }),
      context,
    );
    expect(got.points).toEqual([
      { id: "c", vector: [], payload: {} },
      { id: "a", vector: [], payload: { lang: "en", n: 1 } },
    ]);
    const page = await service.scroll(
      parse(ScrollRequestSchema, { collection: "docs", limit: 2 }),
      context,
    );
    expect(page.points?.map((p) => p.id)).toEqual(["a", "b"]);
    const rest = await service.scroll(
      parse(ScrollRequestSchema, {
        collection: "docs",
        limit: 2,
        cursor: page.nextCursor as string,
      }),
      context,
    );
    expect(rest.points?.map((p) => p.id)).toEqual(["c"]);
    expect(rest.nextCursor).toBe("");
    const deleted = await service.delete(
      parse(DeleteRequestSchema, {
        collection: "docs",
        filter: { must: [{ key: "lang", any: { values: ["en", "de"] } }] },
      }),
      context,
    );
    expect(deleted.deleted).toBe(2n);
  });

  it("applies each streamed batch as it arrives and counts them", async () => {
    async function* batches() {
      yield parse(UpsertStreamRequestSchema, {
        collection: "docs",
        points: [{ id: "s1", vector: [1, 1] }],
      });
      expect(await store.count("acme", "docs")).toBe(4);
      yield parse(UpsertStreamRequestSchema, {
        collection: "docs",
        points: [
          { id: "s2", vector: [2, 2] },
          { id: "a", vector: [9, 9] },
        ],
      });
    }
    const result = await service.upsertStream(batches(), context);
    expect(result).toEqual({ upserted: 3n, batches: 2 });
    expect(await store.count("acme", "docs")).toBe(5);
  });

  it("keeps earlier batches when a later streamed batch fails", async () => {
    async function* batches() {
      yield parse(UpsertStreamRequestSchema, {
        collection: "docs",
        points: [{ id: "s1", vector: [1, 1] }],
      });
      yield parse(UpsertStreamRequestSchema, {
        collection: "docs",
        points: [{ id: "s2", vector: [1] }],
      });
    }
    await expect(service.upsertStream(batches(), context)).rejects.toBeInstanceOf(
      PreconditionError,
    );
    expect(await store.count("acme", "docs")).toBe(4);
  });

  it("deletes a missing collection only when allow_missing is set", async () => {
    const request = (allowMissing: boolean) =>
      parse(DeleteCollectionRequestSchema, { name: "nope", allowMissing });
    expect(await service.deleteCollection(request(true), context)).toEqual({ deleted: false });
    await expect(service.deleteCollection(request(false), context)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const existing = parse(DeleteCollectionRequestSchema, { name: "docs" });
    expect(await service.deleteCollection(existing, context)).toEqual({ deleted: true });
  });

  it("scopes every call to the context's tenant", async () => {
    const other: ServiceContext = { ...context, tenant: "globex" };
    await expect(
      service.search(parse(SearchRequestSchema, { collection: "docs", vector: [0, 0] }), other),
    ).rejects.toBeInstanceOf(NotFoundError);
    const listed = await service.listCollections(parse(ListCollectionsRequestSchema, {}), other);
    expect(listed.collections).toEqual([]);
  });
});
