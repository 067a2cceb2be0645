import { int } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import {
  decodeKey,
  encodeKey,
  fromStoredProperties,
  nodeFromRow,
  relationshipFromRow,
  toPropertyValue,
  toStoredProperties,
} from "../../clients/graphs/neo4j/conversion.js";
import { nodeLabel } from "../../clients/graphs/neo4j/cypher.js";

describe("property keys", () => {
  it("escapes exactly the keys that could clash with tenant and id, reversibly", () => {
    const keys = ["name", "id", "tenant", "~", "~id", "~~x", "x~", "Id", "tenant_id", ""];
    const encoded = keys.map(encodeKey);
    expect(encoded).toEqual([
      "name",
      "~id",
      "~tenant",
      "~~",
      "~~id",
      "~~~x",
      "x~",
      "Id",
      "tenant_id",
      "",
    ]);
    expect(encoded).not.toContain("id");
    expect(encoded).not.toContain("tenant");
    expect(encoded.map(decodeKey)).toEqual(keys);
  });

  it("drops the system keys when decoding", () => {
    expect(decodeKey("id")).toBeUndefined();
    expect(decodeKey("tenant")).toBeUndefined();
  });
});

describe("stored properties", () => {
  it("adds tenant, id and write time, which user properties cannot overwrite, and round-trips", () => {
    const properties = {
      id: "mine",
      tenant: "also mine",
      _rp_written_at: "mine too",
      n: 1.5,
      tags: ["a"],
      on: true,
    };
    const stored = toStoredProperties("t1", "n1", properties, 1234);
    expect(stored).toEqual({
      "~id": "mine",
      "~tenant": "also mine",
      "~_rp_written_at": "mine too",
      _rp_written_at: 1234,
      n: 1.5,
      tags: ["a"],
      on: true,
      tenant: "t1",
      id: "n1",
    });
    expect(fromStoredProperties(stored)).toEqual(properties);
  });

  it("returns integers as numbers and keeps lists of scalars", () => {
    expect(toPropertyValue(int(42))).toBe(42);
    expect(toPropertyValue(int("9007199254740991"))).toBe(9007199254740991);
    expect(toPropertyValue(7n)).toBe(7);
    expect(toPropertyValue([int(1), int(2)])).toEqual([1, 2]);
    expect(toPropertyValue([1.5, -0.25])).toEqual([1.5, -0.25]);
    expect(toPropertyValue(["x", "y"])).toEqual(["x", "y"]);
    expect(toPropertyValue([true, false])).toEqual([true, false]);
    expect(toPropertyValue([])).toEqual([]);
    expect(toPropertyValue("日本語 🙂")).toBe("日本語 🙂");
  });
});

describe("rows", () => {
  it("drops the adapter's label and sorts labels by code point", () => {
    const node = nodeFromRow({
      id: "n1",
      labels: ["Person", nodeLabel, "Admin", "Person"],
      props: { tenant: "t", id: "n1", name: "Ada" },
    });
    expect(node).toEqual({ id: "n1", labels: ["Admin", "Person"], properties: { name: "Ada" } });
  });

  it("decodes a relationship's properties without tenant and id", () => {
    const relationship = relationshipFromRow({
      id: "r1",
      fromId: "a",
      toId: "b",
      type: "KNOWS",
      props: { tenant: "t", id: "r1", since: int(2020), "~id": "x" },
    });
    expect(relationship).toEqual({
      id: "r1",
      fromId: "a",
      toId: "b",
      type: "KNOWS",
      properties: { since: 2020, id: "x" },
    });
  });
});

describe("subjects", () => {
  it("stores a non-empty subject under its hidden key, escapes a user key of that name, and reads it back apart from the properties", () => {
    const properties = { _rp_subject: "a user's", n: 1 };
    const stored = toStoredProperties("t1", "n1", properties, 5, "person:1");
    expect(stored).toEqual({
      "~_rp_subject": "a user's",
      _rp_subject: "person:1",
      _rp_written_at: 5,
      n: 1,
      tenant: "t1",
      id: "n1",
    });
    expect(toStoredProperties("t1", "n1", {}, 5, "")).not.toHaveProperty("_rp_subject");
    expect(toStoredProperties("t1", "n1", {}, 5)).not.toHaveProperty("_rp_subject");
    expect(nodeFromRow({ id: "n1", labels: [nodeLabel], props: stored })).toStrictEqual({
      id: "n1",
      labels: [],
      properties,
      subject: "person:1",
    });
    const plain = relationshipFromRow({
      id: "r1",
      fromId: "a",
      toId: "b",
      type: "T",
      props: { tenant: "t", id: "r1" },
    });
    expect(Object.hasOwn(plain, "subject")).toBe(false);
  });
});
