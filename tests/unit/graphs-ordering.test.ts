import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compareIds, normalizeLabels } from "../../clients/graphs/ordering.js";
import { deriveRelationshipId } from "../../clients/graphs/relationship-id.js";

describe("deriveRelationshipId", () => {
  it("is pinned: stored ids must survive upgrades and engine changes", () => {
    // sha256("KNOWS:1:ab"), first 32 hex digits
    expect(deriveRelationshipId("a", "KNOWS", "b")).toBe("rel-70f118fea44816dafdb8b124cd5520a3");
    expect(deriveRelationshipId("é", "T", "")).toBe(
      `rel-${createHash("sha256").update("T:2:é").digest("hex").slice(0, 32)}`,
    );
  });

  it("separates triples that concatenate alike", () => {
    const ids = new Set([
      deriveRelationshipId("ab", "T", "c"),
      deriveRelationshipId("a", "T", "bc"),
      deriveRelationshipId("a", "Tb", "c"),
      deriveRelationshipId("c", "T", "ab"),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe("compareIds", () => {
  it("orders by code point, as UTF-8 bytes do", () => {
    const ids = ["\u{1F600}", "\uFFFD", "b", "a", "ab", "B", ""];
    const byBytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...ids].sort(compareIds)).toEqual(byBytes);
    expect(byBytes).toEqual(["", "B", "a", "ab", "b", "\uFFFD", "\u{1F600}"]);
  });

  it("normalizes labels to a sorted set", () => {
    expect(normalizeLabels(["b", "a", "b"])).toEqual(["a", "b"]);
  });
});
