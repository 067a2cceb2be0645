import { Code, type ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Distance, PayloadIndexType, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { value } from "../support/values.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const violations = (error: ConnectError) =>
  error
    .findDetails(BadRequestSchema)
    .flatMap((detail) =>
      detail.fieldViolations.map(({ field, description }) => ({ field, description })),
    );

describe("VectorsService: data subjects and sensitive fields over the wire", () => {
  const client = () => createClient(VectorsService, server.transport("grpc-js"));
  const person = { ssn: "123-45-6789", address: { city: "Lyon" } };

  beforeAll(async () => {
    const created = await client().createCollection({
      name: "people",
      dimension: 2,
      distance: Distance.DOT,
      sensitiveFields: ["ssn", "address"],
    });
    expect(created.collection?.sensitiveFields).toEqual(["ssn", "address"]);
    await client().upsert({
      collection: "people",
      points: [
        {
          id: "a",
          vector: [1, 0],
          payload: { ...person, lang: "fr" },
          subject: "person-1",
        },
        { id: "b", vector: [0, 1], payload: { ssn: "987", lang: "en" } },
      ],
    });
  });

  it("lists and describes the sensitive fields", async () => {
    const got = await client().getCollection({ name: "people" });
    expect(got.collection?.sensitiveFields).toEqual(["ssn", "address"]);
    const listed = await client().listCollections({});
    expect(listed.collections.find((c) => c.name === "people")?.sensitiveFields).toEqual([
      "ssn",
      "address",
    ]);
  });

  it("returns the subject and the decrypted values on Get, Search and Scroll", async () => {
    const got = await client().get({ collection: "people", ids: ["a", "b"] });
    expect(got.points.map((p) => [p.id, p.subject, p.payload])).toEqual([
      ["a", "person-1", { ...person, lang: "fr" }],
      ["b", "", { ssn: "987", lang: "en" }],
    ]);
    const found = await client().search({
      collection: "people",
      vector: [1, 0],
      limit: 2,
      withPayload: true,
      exact: true,
    });
    expect(found.hits.map((h) => [h.id, h.subject, h.payload?.ssn])).toEqual([
      ["a", "person-1", "123-45-6789"],
      ["b", "", "987"],
    ]);
    const bare = await client().search({ collection: "people", vector: [1, 0], limit: 2 });
    expect(bare.hits.map((h) => h.subject)).toEqual(["", ""]);
    const page = await client().scroll({ collection: "people", withPayload: true });
    expect(page.points.map((p) => [p.id, p.subject])).toEqual([
      ["a", "person-1"],
      ["b", ""],
    ]);
  });

  it("refuses a filter on a sensitive field with INVALID_ARGUMENT on the condition", async () => {
    const error = await rejection(
      client().count({
        collection: "people",
        filter: {
          must: [
            { key: "lang", test: { case: "match", value: { value: value("fr") } } },
            { key: "address.city", test: { case: "match", value: { value: value("Lyon") } } },
          ],
        },
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violations(error)).toEqual([
      {
        field: "filter.must[1].key",
        description: 'payload field "address" is encrypted at rest and cannot be filtered',
      },
    ]);
    const allowed = await client().count({
      collection: "people",
      filter: { must: [{ key: "lang", test: { case: "match", value: { value: value("fr") } } }] },
    });
    expect(allowed.count).toBe(1n);
  });

  it("refuses invalid sensitive fields and subjects, naming each field", async () => {
    const created = await rejection(
      client().createCollection({
        name: "bad",
        dimension: 2,
        distance: Distance.DOT,
        payloadIndexes: [{ key: "ssn", type: PayloadIndexType.KEYWORD }],
        sensitiveFields: ["ssn", "_rp_x", ""],
      }),
    );
    expect(created.code).toBe(Code.InvalidArgument);
    expect(violations(created).map((v) => v.field)).toEqual([
      "sensitive_fields[0]",
      "sensitive_fields[1]",
      "sensitive_fields[2]",
    ]);
    const upserted = await rejection(
      client().upsert({
        collection: "people",
        points: [{ id: "c", vector: [1, 1], subject: "x".repeat(257) }],
      }),
    );
    expect(upserted.code).toBe(Code.InvalidArgument);
    expect(violations(upserted).map((v) => v.field)).toEqual(["points[0].subject"]);
  });

  it("leaves out the values sealed under a subject's key once that key is destroyed", async () => {
    const tenant = server.config.security.adminTenant;
    const keyring = server.engines.keyring;
    if (keyring === undefined) throw new Error("the test server has no keyring");
    expect(await keyring.destroySubjectKey(tenant, "person-1")).toBe(true);
    const got = await client().get({ collection: "people", ids: ["a", "b"] });
    expect(got.points.map((p) => [p.id, p.subject, p.payload])).toEqual([
      ["a", "person-1", { lang: "fr" }],
      ["b", "", { ssn: "987", lang: "en" }],
    ]);
  });
});
