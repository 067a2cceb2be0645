import { describe, expect, it } from "vitest";
import { PreconditionError } from "../../clients/errors.js";
import {
  checkGraphName,
  checkGraphNames,
  hopPattern,
  isGraphName,
  nodeLabel,
  pathPattern,
  quoteName,
  relationshipConstraintName,
  typeFilter,
} from "../../clients/graphs/neo4j/cypher.js";

const hostile = [
  "",
  "1ABC",
  "_RpNode",
  "A`) DETACH DELETE n //",
  "KNOWS|LIKES",
  "A B",
  "Ä",
  "A-B",
  "A".repeat(65),
  "A\u0000",
];

describe("graph names written into Cypher", () => {
  it("accepts identifiers of 1 to 64 ASCII letters, digits and underscores, starting with a letter", () => {
    for (const name of ["A", "KNOWS", "works_at", "T1", "a".repeat(64)]) {
      expect(isGraphName(name)).toBe(true);
      expect(quoteName(name)).toBe(`\`${name}\``);
    }
  });

  it.each(hostile)("refuses %j before it reaches a query", (name) => {
    expect(isGraphName(name)).toBe(false);
    expect(() => quoteName(name)).toThrow(RangeError);
    expect(() => typeFilter(["OK", name])).toThrow(RangeError);
    expect(() => relationshipConstraintName(name)).toThrow(RangeError);
  });

  it("can never equal the adapter's own node label", () => {
    expect(isGraphName(nodeLabel)).toBe(false);
  });

  it("reports a bad name as a PreconditionError on the request field", () => {
    expect(() => checkGraphName("A`B", "relationships[3].type")).toThrow(PreconditionError);
    let error: unknown;
    try {
      checkGraphNames(["Ok", "Fine", "no way"], "nodes[1].labels");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error).toMatchObject({ field: "nodes[1].labels[2]" });
    expect(() => checkGraphNames(["A", "B_2"], "types")).not.toThrow();
  });
});

describe("relationship patterns", () => {
  it("quotes and deduplicates types, and leaves them out for any type", () => {
    expect(typeFilter([])).toBe("");
    expect(typeFilter(["KNOWS", "LIKES", "KNOWS"])).toBe(":`KNOWS`|`LIKES`");
  });

  it("points the hop along the direction", () => {
    expect(hopPattern("out", ["T"])).toBe("-[r:`T`]->");
    expect(hopPattern("in", [])).toBe("<-[r]-");
    expect(hopPattern("both", ["A", "B"])).toBe("-[r:`A`|`B`]-");
  });

  it("bounds a path by a positive integer only", () => {
    expect(pathPattern("out", ["T"], 3)).toBe("-[:`T`*..3]->");
    expect(pathPattern("both", [], 10)).toBe("-[*..10]-");
    expect(pathPattern("in", [], 1)).toBe("<-[*..1]-");
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => pathPattern("out", [], bad)).toThrow(RangeError);
    }
  });

  it("names each type's uniqueness constraint after the type", () => {
    expect(relationshipConstraintName("KNOWS")).toBe("`ragplane_rel_KNOWS`");
  });
});
