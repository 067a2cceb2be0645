import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { privateQdrant, qdrantUrl } from "../support/private-qdrant.js";

/**
 * Write times in Qdrant itself: every point carries an indexed `rp_written_at`, and the
 * points of a collection stored before write times existed get one when the collection is
 * given a maximum age, so they expire instead of staying forever.
 */

describe.skipIf(!qdrantUrl)(
  `Qdrant write times (${qdrantUrl ?? "skipped: set QDRANT_URL"})`,
  () => {
    const qdrant = privateQdrant("r");
    const { prefix } = qdrant;
    const shared = `${prefix}_v2_dot`;

    it("indexes the write time as an integer and stores it with every point", async () => {
      const before = Date.now();
      await qdrant.store.createCollection("acme", { name: "docs", dimension: 2, distance: "dot" });
      await qdrant.store.upsert("acme", "docs", [{ id: "a", vector: [1, 0], payload: { n: 1 } }]);
      const info = await qdrant.admin.getCollection(shared);
      expect(info.payload_schema.rp_written_at?.data_type).toBe("integer");
      const { points } = await qdrant.admin.scroll(shared, { limit: 10, with_payload: true });
      const writtenAt = points[0]?.payload?.rp_written_at as number;
      expect(writtenAt).toBeGreaterThanOrEqual(before);
      expect(writtenAt).toBeLessThanOrEqual(Date.now());
    });

    it("stamps points without a write time when the collection gets a maximum age", async () => {
      await qdrant.store.createCollection("acme", {
        name: "legacy",
        dimension: 2,
        distance: "dot",
      });
      await qdrant.store.upsert("acme", "legacy", [
        { id: "a", vector: [1, 0] },
        { id: "b", vector: [0, 1] },
      ]);
      await qdrant.admin.deletePayload(shared, {
        keys: ["rp_written_at"],
        filter: { must: [{ key: "rp_tenant", match: { value: "acme" } }] },
        wait: true,
      });
      expect(
        await qdrant.store.deleteWrittenBefore("acme", "legacy", Date.now() + 60_000, 10),
      ).toBe(0);
      await sleep(5);
      const stampedAfter = Date.now();
      await qdrant.store.setMaxAge("acme", "legacy", 60_000);
      expect(await qdrant.store.deleteWrittenBefore("acme", "legacy", stampedAfter, 10)).toBe(0);
      expect(await qdrant.store.deleteWrittenBefore("acme", "legacy", Date.now() + 1, 10)).toBe(2);
      expect(await qdrant.store.count("acme", "docs")).toBe(1);
    });
  },
);
