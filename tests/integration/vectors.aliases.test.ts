import { Code, type ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BadRequestSchema,
  PreconditionFailureSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** The fields an INVALID_ARGUMENT's `BadRequest` names, in order. */
function violatedFields(error: ConnectError): string[] {
  return error.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

describe.each(transportNames)("VectorsService aliases over %s", (transportName) => {
  const client = () => createClient(VectorsService, server.transport(transportName));
  const v1 = `v1-${transportName}`;
  const v2 = `v2-${transportName}`;
  const live = `live-${transportName}`;

  beforeAll(async () => {
    await client().createCollection({ name: v1, dimension: 2, distance: Distance.DOT });
    await client().createCollection({ name: v2, dimension: 3, distance: Distance.DOT });
    await client().upsert({ collection: v1, points: [{ id: "one", vector: [1, 0] }] });
    await client().upsert({ collection: v2, points: [{ id: "two", vector: [0, 1, 0] }] });
  });

  it("puts, moves and reads through an alias, reporting the previous collection", async () => {
    const created = await client().putAlias({ alias: live, collection: v1 });
    expect(created.alias).toMatchObject({ name: live, collection: v1 });
    expect(created.previousCollection).toBe("");
    expect((await client().getCollection({ name: live })).collection?.name).toBe(v1);
    const moved = await client().putAlias({ alias: live, collection: v2 });
    expect(moved.previousCollection).toBe(v1);
    const found = await client().search({ collection: live, vector: [0, 1, 0], limit: 5 });
    expect(found.hits.map((hit) => hit.id)).toEqual(["two"]);
    expect((await client().count({ collection: live })).count).toBe(1n);
  });

  it("lists aliases a page at a time with opaque tokens", async () => {
    const names = ["a", "b", "c"].map((letter) => `${letter}-${transportName}`);
    for (const alias of names) await client().putAlias({ alias, collection: v1 });
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await client().listAliases({ pageSize: 2, pageToken });
      expect(page.aliases.length).toBeLessThanOrEqual(2);
      seen.push(...page.aliases.map((alias) => alias.name));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(names));
    for (const alias of names) await client().deleteAlias({ alias });
  });

  it("answers NOT_FOUND for a missing alias or target, unless allow_missing", async () => {
    const missing = await rejection(client().deleteAlias({ alias: `gone-${transportName}` }));
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.rawMessage).toBe(`alias "gone-${transportName}" not found`);
    const allowed = await client().deleteAlias({
      alias: `gone-${transportName}`,
      allowMissing: true,
    });
    expect(allowed.deleted).toBe(false);
    const target = await rejection(client().putAlias({ alias: "x", collection: "nope" }));
    expect(target.code).toBe(Code.NotFound);
  });

  it("answers ALREADY_EXISTS when an alias and a collection would share a name", async () => {
    const asAlias = await rejection(client().putAlias({ alias: v2, collection: v1 }));
    expect(asAlias.code).toBe(Code.AlreadyExists);
    const asCollection = await rejection(
      client().createCollection({ name: live, dimension: 2, distance: Distance.DOT }),
    );
    expect(asCollection.code).toBe(Code.AlreadyExists);
    expect(asCollection.rawMessage).toBe(`alias "${live}" already exists`);
  });

  it("answers FAILED_PRECONDITION on name when DeleteCollection names an alias or its target", async () => {
    for (const name of [live, v2]) {
      const error = await rejection(client().deleteCollection({ name, allowMissing: true }));
      expect(error.code).toBe(Code.FailedPrecondition);
      const [failure] = error.findDetails(PreconditionFailureSchema);
      expect(failure?.violations.map((v) => v.subject)).toEqual(["name"]);
    }
    expect((await client().count({ collection: v2 })).count).toBe(1n);
  });

  it("rejects malformed names and page tokens with field violations", async () => {
    const put = await rejection(client().putAlias({ alias: "bad name", collection: "" }));
    expect(put.code).toBe(Code.InvalidArgument);
    expect(violatedFields(put)).toEqual(["alias", "collection"]);
    const deleted = await rejection(client().deleteAlias({ alias: "x".repeat(201) }));
    expect(violatedFields(deleted)).toEqual(["alias"]);
    const listed = await rejection(client().listAliases({ pageSize: 5000, pageToken: "%%" }));
    expect(listed.code).toBe(Code.InvalidArgument);
    expect(violatedFields(listed)).toEqual(["page_size", "page_token"]);
  });
});

describe("VectorsService aliases and scopes", () => {
  it("lets a vectors:read key list aliases but not put or delete them", async () => {
    const key = await server.createKey("default", ["vectors:read"]);
    const reader = createClient(VectorsService, server.transport("connect", { apiKey: key }));
    expect((await reader.listAliases({})).aliases).toBeDefined();
    const put = await rejection(reader.putAlias({ alias: "r", collection: "v1-connect" }));
    expect(put.code).toBe(Code.PermissionDenied);
    const deleted = await rejection(reader.deleteAlias({ alias: "r" }));
    expect(deleted.code).toBe(Code.PermissionDenied);
  });
});
