import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";
import { value } from "../support/values.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe.each(transportNames)("VectorsService over %s", (transportName) => {
  const client = () => createClient(VectorsService, server.transport(transportName));
  const collection = `docs-${transportName}`;

  it("creates, describes and lists a collection", async () => {
    const created = await client().createCollection({
      name: collection,
      dimension: 3,
      distance: Distance.COSINE,
    });
    expect(created.collection).toMatchObject({
      name: collection,
      dimension: 3,
      distance: Distance.COSINE,
    });
    const listed = await client().listCollections({});
    expect(listed.collections.map((c) => c.name)).toContain(collection);
    const again = await rejection(
      client().createCollection({ name: collection, dimension: 3, distance: Distance.COSINE }),
    );
    expect(again.code).toBe(Code.AlreadyExists);
  });

  it("upserts points and finds the nearest first, with payloads", async () => {
    const upserted = await client().upsert({
      collection,
      points: [
        { id: "a", vector: [1, 0, 0], payload: { lang: "en", year: 2020 } },
        { id: "b", vector: [0, 1, 0], payload: { lang: "de", year: 2021 } },
        { id: "c", vector: [0.9, 0.1, 0], payload: { lang: "de", year: 2022 } },
      ],
    });
    expect(upserted.upserted).toBe(3);
    const found = await client().search({
      collection,
      vector: [1, 0, 0],
      limit: 2,
      withPayload: true,
    });
    expect(found.hits.map((hit) => hit.id)).toEqual(["a", "c"]);
    expect(found.hits[0]?.score).toBeCloseTo(1, 5);
    expect(found.hits[0]?.payload).toEqual({ lang: "en", year: 2020 });
  });

  it("applies filters exactly", async () => {
    const found = await client().search({
      collection,
      vector: [1, 0, 0],
      limit: 10,
      filter: { must: [{ key: "lang", test: { case: "match", value: { value: value("de") } } }] },
    });
    expect(found.hits.map((hit) => hit.id)).toEqual(["c", "b"]);
    const counted = await client().count({
      collection,
      filter: { must: [{ key: "year", test: { case: "range", value: { gte: 2021 } } }] },
    });
    expect(counted.count).toBe(2n);
  });

  it("gets, scrolls and deletes points", async () => {
    const got = await client().get({ collection, ids: ["b", "missing", "a"] });
    expect(got.points.map((p) => p.id)).toEqual(["b", "a"]);
    const firstPage = await client().scroll({ collection, limit: 2 });
    expect(firstPage.points.map((p) => p.id)).toEqual(["a", "b"]);
    const secondPage = await client().scroll({
      collection,
      limit: 2,
      cursor: firstPage.nextCursor,
    });
    expect(secondPage.points.map((p) => p.id)).toEqual(["c"]);
    expect(secondPage.nextCursor).toBe("");
    const deleted = await client().delete({ collection, ids: ["b"] });
    expect(deleted.deleted).toBe(1n);
    const described = await client().getCollection({ name: collection });
    expect(described.collection?.pointCount).toBe(2n);
  });

  it("streams batches with UpsertStream", async () => {
    async function* batches() {
      for (let batch = 0; batch < 3; batch++) {
        yield {
          collection,
          points: [0, 1].map((i) => ({
            id: `s-${batch}-${i}`,
            vector: [batch, i, 1],
            payload: {},
          })),
        };
      }
    }
    const response = await client().upsertStream(batches());
    expect(response).toMatchObject({ upserted: 6n, batches: 3 });
    const got = await client().get({ collection, ids: ["s-2-1"] });
    expect(got.points).toHaveLength(1);
  });

  it("rejects a batch with a wrong dimension whole (FAILED_PRECONDITION, nothing written)", async () => {
    const error = await rejection(
      client().upsert({
        collection,
        points: [
          { id: "new-1", vector: [1, 1, 1] },
          { id: "new-2", vector: [1, 1] },
        ],
      }),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    const got = await client().get({ collection, ids: ["new-1"] });
    expect(got.points).toHaveLength(0);
  });

  it("rejects NaN vectors and empty ids with field violations", async () => {
    const error = await rejection(
      client().upsert({ collection, points: [{ id: "", vector: [Number.NaN, 0, 0] }] }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    const fields = error
      .findDetails(BadRequestSchema)
      .flatMap((d) => d.fieldViolations.map((v) => v.field));
    expect(fields).toEqual(expect.arrayContaining(["points[0].id", "points[0].vector[0]"]));
  });

  it("answers NOT_FOUND for an unknown collection", async () => {
    const error = await rejection(
      client().search({ collection: "nope", vector: [1, 0, 0], limit: 1 }),
    );
    expect(error.code).toBe(Code.NotFound);
  });

  it("rejects an unknown distance enum value", async () => {
    const error = await rejection(
      client().createCollection({
        name: `${collection}-x`,
        dimension: 3,
        distance: 42 as Distance,
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it("deletes the collection", async () => {
    const deleted = await client().deleteCollection({ name: collection });
    expect(deleted.deleted).toBe(true);
    const error = await rejection(client().getCollection({ name: collection }));
    expect(error.code).toBe(Code.NotFound);
  });
});
