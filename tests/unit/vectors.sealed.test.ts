import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnfilterableFieldError } from "../../clients/errors.js";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { toConnectError } from "../../interceptors/error-mapping.js";
import { sealedValuePrefix, sealVectorStore } from "../../server/encryption/sealed-vectors.js";
import { FakeCall } from "../support/fake-call.js";
import { type MemoryKeyring, memoryKeyring } from "../support/memory-keyring.js";

const tenant = "acme";
const person = { ssn: "123-45-6789", address: { city: "Lyon", zip: 69001 } };

let dataDir: string;
let raw: EmbeddedVectorStore;
let keyring: MemoryKeyring;
let sealed: VectorStore;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-sealed-vectors-"));
  raw = await EmbeddedVectorStore.open({ dataDir });
  keyring = memoryKeyring();
  sealed = sealVectorStore(raw, keyring);
  await sealed.createCollection(tenant, {
    name: "people",
    dimension: 2,
    distance: "dot",
    sensitiveFields: ["ssn", "address"],
  });
  await sealed.upsert(tenant, "people", [
    { id: "a", vector: [1, 0], payload: { ...person, lang: "fr" }, subject: "person-1" },
    { id: "b", vector: [0, 1], payload: { ssn: "987-65-4321", lang: "en" } },
    { id: "c", vector: [1, 1], payload: { lang: "de" }, subject: "person-2" },
  ]);
});

afterEach(async () => {
  await raw.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("sealVectorStore", () => {
  it("stores ciphertext, never the values, of the sensitive fields only", async () => {
    const stored = await raw.get(tenant, "people", ["a", "b", "c"], { withVector: false });
    const [a, b, c] = stored.map((p) => p.payload ?? {});
    for (const value of [a?.ssn, a?.address, b?.ssn]) {
      expect(typeof value).toBe("string");
      expect(value as string).toMatch(/^rpenc:1:[^:]+:[A-Za-z0-9_-]+$/);
    }
    const text = JSON.stringify(stored);
    expect(text).not.toContain("123-45-6789");
    expect(text).not.toContain("Lyon");
    expect(text).not.toContain("987-65-4321");
    expect(a?.lang).toBe("fr");
    expect(c).toEqual({ lang: "de" });
    const keyIdOf = (value: unknown) =>
      (value as string).slice(sealedValuePrefix.length).split(":")[0];
    expect(keyIdOf(a?.ssn)).toBe(keyIdOf(a?.address));
    expect(keyIdOf(a?.ssn)).not.toBe(keyIdOf(b?.ssn));
  });

  it("resolves each distinct key once per batch: the subject's, or the tenant's without one", async () => {
    const before = keyring.calls.sealingKey;
    await sealed.upsert(tenant, "people", [
      { id: "d", vector: [1, 0], payload: { ssn: "1" }, subject: "person-3" },
      { id: "e", vector: [1, 0], payload: { ssn: "2" }, subject: "person-3" },
      { id: "f", vector: [1, 0], payload: { ssn: "3" } },
      { id: "g", vector: [1, 0], payload: { ssn: "4" }, subject: "" },
      { id: "h", vector: [1, 0], payload: { lang: "x" }, subject: "person-4" },
    ]);
    expect(keyring.calls.sealingKey - before).toBe(2);
  });

  it("gives the values back on get, search and scroll, with the subject", async () => {
    expect(await sealed.get(tenant, "people", ["a", "b"], { withVector: false })).toEqual([
      { id: "a", payload: { ...person, lang: "fr" }, subject: "person-1" },
      { id: "b", payload: { ssn: "987-65-4321", lang: "en" } },
    ]);
    const hits = await sealed.search(tenant, "people", {
      vector: [1, 0],
      limit: 1,
      withPayload: true,
      withVector: false,
      exact: true,
    });
    expect(hits).toMatchObject([
      { id: "a", payload: { ...person, lang: "fr" }, subject: "person-1" },
    ]);
    const page = await sealed.scroll(tenant, "people", {
      limit: 2,
      withPayload: true,
      withVector: false,
    });
    expect(page.points.map((p) => p.payload?.ssn)).toEqual(["123-45-6789", "987-65-4321"]);
    expect(page.nextAfter).toBe("b");
    const ofSubject = await sealed.scroll(tenant, "people", {
      subject: "person-1",
      limit: 10,
      withPayload: true,
      withVector: false,
    });
    expect(ofSubject.points).toEqual([
      { id: "a", payload: { ...person, lang: "fr" }, subject: "person-1" },
    ]);
  });

  it("opens values through an alias and after the point moved nowhere: the context is tenant, id, field", async () => {
    await sealed.putAlias(tenant, "current", "people");
    const [a] = await sealed.get(tenant, "current", ["a"], { withVector: false });
    expect(a?.payload?.ssn).toBe("123-45-6789");
  });

  it("leaves out a value whose key was destroyed, keeping the rest of the payload", async () => {
    expect(keyring.destroy(tenant, "person-1")).toBe(true);
    expect(await sealed.get(tenant, "people", ["a", "b"], { withVector: false })).toEqual([
      { id: "a", payload: { lang: "fr" }, subject: "person-1" },
      { id: "b", payload: { ssn: "987-65-4321", lang: "en" } },
    ]);
  });

  it("leaves out a sealed value copied to another point (it is bound to its own)", async () => {
    const [a] = await raw.get(tenant, "people", ["a"], { withVector: false });
    await raw.upsert(tenant, "people", [
      { id: "z", vector: [1, 0], payload: { ssn: a?.payload?.ssn ?? null }, subject: "person-1" },
    ]);
    expect(await sealed.get(tenant, "people", ["z"], { withVector: false })).toEqual([
      { id: "z", payload: {}, subject: "person-1" },
    ]);
  });

  it("refuses a filter on a sensitive field, naming the condition", async () => {
    const onSsn = { key: "ssn", match: "123-45-6789" };
    const onCity = { key: "address.city", match: "Lyon" };
    const onLang = { key: "lang", match: "fr" };
    const refusals = [
      sealed.search(tenant, "people", {
        vector: [1, 0],
        limit: 1,
        withPayload: false,
        withVector: false,
        exact: true,
        filter: { must: [onLang, onSsn] },
      }),
      sealed.count(tenant, "people", { mustNot: [onCity] }),
      sealed.scroll(tenant, "people", {
        limit: 1,
        withPayload: false,
        withVector: false,
        filter: { should: [onSsn] },
      }),
      sealed.delete(tenant, "people", { filter: { must: [onCity] } }),
    ];
    const fields = [
      "filter.must[1].key",
      "filter.must_not[0].key",
      "filter.should[0].key",
      "filter.must[0].key",
    ];
    for (const [i, refusal] of refusals.entries()) {
      const error = await refusal.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnfilterableFieldError);
      expect(error).toMatchObject({ field: fields[i] });
    }
    expect(await raw.count(tenant, "people")).toBe(3);
    expect(await sealed.count(tenant, "people", { must: [onLang] })).toBe(1);
  });

  it("is answered with INVALID_ARGUMENT and a field violation on the condition", () => {
    const error = toConnectError(
      new UnfilterableFieldError("filter.must[0].key", "ssn"),
      new FakeCall(VectorsService.method.search),
      pino({ level: "silent" }),
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations).toMatchObject([
      {
        field: "filter.must[0].key",
        description: 'payload field "ssn" is encrypted at rest and cannot be filtered',
      },
    ]);
  });

  it("leaves collections without sensitive fields untouched, and forgets a recreated collection's fields", async () => {
    await sealed.createCollection(tenant, { name: "plain", dimension: 2, distance: "dot" });
    await sealed.upsert(tenant, "plain", [{ id: "a", vector: [1, 0], payload: { ssn: "x" } }]);
    expect((await raw.get(tenant, "plain", ["a"], { withVector: false }))[0]?.payload).toEqual({
      ssn: "x",
    });
    expect(await sealed.count(tenant, "plain", { must: [{ key: "ssn", match: "x" }] })).toBe(1);
    expect(await sealed.deleteCollection(tenant, "plain")).toBe(true);
    await sealed.createCollection(tenant, {
      name: "plain",
      dimension: 2,
      distance: "dot",
      sensitiveFields: ["ssn"],
    });
    await sealed.upsert(tenant, "plain", [{ id: "a", vector: [1, 0], payload: { ssn: "x" } }]);
    const stored = (await raw.get(tenant, "plain", ["a"], { withVector: false }))[0]?.payload;
    expect(stored?.ssn).toMatch(/^rpenc:1:/);
    await expect(
      sealed.count(tenant, "plain", { must: [{ key: "ssn", match: "x" }] }),
    ).rejects.toBeInstanceOf(UnfilterableFieldError);
  });

  it("passes every other member through to the store", async () => {
    expect((sealed as unknown as EmbeddedVectorStore).indexStats().collections).toBeGreaterThan(0);
    expect(await sealed.health()).toEqual({ ok: true });
  });
});
