import { describe, expect, it } from "vitest";
import { pointIdNamespace, pointUuid, uuidV5 } from "../../clients/vectors/qdrant/ids.js";
import {
  callerPayload,
  qdrantKeyPath,
  storedId,
  storedPayload,
} from "../../clients/vectors/qdrant/payload.js";

const dnsNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const urlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

describe("uuidV5", () => {
  it("matches the reference values of RFC 9562 namespaces (as Python's uuid.uuid5 computes them)", () => {
    expect(uuidV5("python.org", dnsNamespace)).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    expect(uuidV5("https://www.example.com/", urlNamespace)).toBe(
      "3d3ed9d2-aa3d-5fa6-90e8-ed662e90f559",
    );
  });

  it("sets version 5 and the RFC variant bits", () => {
    const uuid = uuidV5("anything", pointIdNamespace);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("rejects a namespace that is not a UUID", () => {
    expect(() => uuidV5("x", "not-a-uuid")).toThrow(RangeError);
  });
});

describe("pointUuid", () => {
  it("maps (tenant, collection, id) to fixed UUIDs, so stored points stay addressable", () => {
    const known = pointUuid("acme", "docs", "doc-1");
    expect(known).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointUuid("acme", "docs", "doc-1")).toBe(known);
    expect(known).toBe(uuidV5('["acme","docs","doc-1"]', pointIdNamespace));
  });

  it("gives the same id in two tenants or two collections different UUIDs", () => {
    expect(pointUuid("other", "docs", "doc-1")).not.toBe(pointUuid("acme", "docs", "doc-1"));
    expect(pointUuid("acme", "notes", "doc-1")).not.toBe(pointUuid("acme", "docs", "doc-1"));
  });

  it("cannot be confused by separators inside the tenant, collection or id", () => {
    expect(pointUuid("a", "c", "b,c")).not.toBe(pointUuid("a,b", "c", "c"));
    expect(pointUuid('a"', "c", "b")).not.toBe(pointUuid("a", "c", '"b'));
  });
});

describe("stored payload layout", () => {
  it("keeps the caller's payload whole under its own key beside the scope, tenant, id, write time and order keys", () => {
    const stored = storedPayload("acme", "docs", "ab", { rp_tenant: "spoof", rp_id: "x", n: 1 }, 5);
    expect(stored).toEqual({
      rp_scope: '["acme","docs"]',
      rp_tenant: "acme",
      rp_id: "ab",
      rp_written_at: 5,
      rp_o0: 0x616200000000,
      rp_o1: 0,
      rp_o2: 0,
      rp_payload: { rp_tenant: "spoof", rp_id: "x", n: 1 },
    });
    expect(storedId(stored)).toBe("ab");
    expect(callerPayload(stored)).toEqual({ rp_tenant: "spoof", rp_id: "x", n: 1 });
  });

  it("stores an absent payload as {} and reads a missing one as {}", () => {
    expect(storedPayload("t", "c", "a", undefined, 5).rp_payload).toEqual({});
    expect(callerPayload({ rp_id: "a" })).toEqual({});
    expect(storedId({})).toBeUndefined();
  });

  it("reads caller keys under the payload key, quoting a key that is not a valid path", () => {
    expect(qdrantKeyPath("meta.lang")).toBe("rp_payload.meta.lang");
    expect(qdrantKeyPath("items[].name")).toBe("rp_payload.items[].name");
    expect(qdrantKeyPath('meta."a.b"')).toBe('rp_payload.meta."a.b"');
    expect(qdrantKeyPath("a..b")).toBe('rp_payload."a..b"');
  });
});
