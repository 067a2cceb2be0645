import { describe, expect, it } from "vitest";
import { privateQdrant, qdrantUrl } from "../support/private-qdrant.js";

/**
 * Data subjects and sensitive fields in Qdrant itself: a point's subject is the hidden,
 * keyword-indexed `rp_subject` beside (never inside) the caller's payload, a shared
 * collection made before subjects gets that index at its next use, and a collection's
 * sensitive fields live in its `rp_catalog` record.
 */

describe.skipIf(!qdrantUrl)(
  `Qdrant data subjects (${qdrantUrl ?? "skipped: set QDRANT_URL"})`,
  () => {
    const qdrant = privateQdrant("s");
    const { prefix } = qdrant;
    const shared = `${prefix}_v2_dot`;

    it("stores the subject as an indexed rp_subject outside the caller's payload", async () => {
      await qdrant.store.createCollection("acme", {
        name: "people",
        dimension: 2,
        distance: "dot",
        sensitiveFields: ["ssn"],
      });
      await qdrant.store.upsert("acme", "people", [
        { id: "a", vector: [1, 0], payload: { n: 1 }, subject: "person-1" },
        { id: "b", vector: [0, 1], payload: { n: 2 } },
      ]);
      const info = await qdrant.admin.getCollection(shared);
      expect(info.payload_schema.rp_subject?.data_type).toBe("keyword");
      const { points } = await qdrant.admin.scroll(shared, { limit: 10, with_payload: true });
      const byId = new Map(points.map((p) => [p.payload?.rp_id, p.payload]));
      expect(byId.get("a")?.rp_subject).toBe("person-1");
      expect(byId.get("a")?.rp_payload).toEqual({ n: 1 });
      expect(byId.get("b")).not.toHaveProperty("rp_subject");
      const catalog = await qdrant.admin.scroll(`${prefix}_catalog`, {
        limit: 10,
        with_payload: true,
      });
      const record = catalog.points.find((p) => p.payload?.rp_name === "people");
      expect(record?.payload?.rp_sensitive_fields).toEqual(["ssn"]);
    });

    it("indexes rp_subject in a shared collection made before subjects, at its first subject lookup", async () => {
      await qdrant.store.createCollection("acme", { name: "older", dimension: 2, distance: "dot" });
      await qdrant.store.upsert("acme", "older", [{ id: "a", vector: [1, 0], subject: "p" }]);
      await qdrant.admin.deletePayloadIndex(shared, "rp_subject", { wait: true });
      expect((await qdrant.admin.getCollection(shared)).payload_schema.rp_subject).toBeUndefined();
      await qdrant.reconnect();
      const page = await qdrant.store.scroll("acme", "older", {
        subject: "p",
        limit: 10,
        withPayload: false,
        withVector: false,
      });
      expect(page.points.map((p) => p.id)).toEqual(["a"]);
      expect((await qdrant.admin.getCollection(shared)).payload_schema.rp_subject?.data_type).toBe(
        "keyword",
      );
      await qdrant.admin.deletePayloadIndex(shared, "rp_subject", { wait: true });
      await qdrant.reconnect();
      expect(await qdrant.store.delete("acme", "older", { subject: "p" })).toBe(1);
      expect((await qdrant.admin.getCollection(shared)).payload_schema.rp_subject?.data_type).toBe(
        "keyword",
      );
    });
  },
);
