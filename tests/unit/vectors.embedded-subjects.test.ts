import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";

const scrollAll = { limit: 100, withPayload: true, withVector: false } as const;

describe("embedded store: subjects and sensitive fields on disk", () => {
  const dirs: string[] = [];
  const temporary = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("adds the subject column, its index and the sensitive fields to a database made before them", async () => {
    const dataDir = temporary("subjects-old-");
    let store = await EmbeddedVectorStore.open({ dataDir });
    await store.createCollection("t", { name: "docs", dimension: 2, distance: "dot" });
    await store.upsert("t", "docs", [
      { id: "a", vector: [1, 0], payload: { n: 1 } },
      { id: "b", vector: [0, 1], payload: { n: 2 } },
    ]);
    await store.close();

    const old = new Database(join(dataDir, "vectors.sqlite"));
    old.exec("DROP INDEX points_by_subject");
    old.exec("ALTER TABLE points DROP COLUMN subject");
    old.exec("ALTER TABLE collections DROP COLUMN sensitive_fields");
    old.close();

    store = await EmbeddedVectorStore.open({ dataDir });
    expect((await store.getCollection("t", "docs")).sensitiveFields).toEqual([]);
    expect((await store.scroll("t", "docs", scrollAll)).points).toEqual([
      { id: "a", payload: { n: 1 } },
      { id: "b", payload: { n: 2 } },
    ]);
    await store.upsert("t", "docs", [{ id: "b", vector: [0, 1], payload: { n: 3 }, subject: "p" }]);
    const ofSubject = await store.scroll("t", "docs", { ...scrollAll, subject: "p" });
    expect(ofSubject.points).toEqual([{ id: "b", payload: { n: 3 }, subject: "p" }]);
    await store.close();

    const db = new Database(join(dataDir, "vectors.sqlite"), { readonly: true });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT key FROM points WHERE collection_uid = ? AND subject = ? AND id > ? ORDER BY id",
      )
      .all(1, "p", "") as { detail: string }[];
    db.close();
    expect(plan.map((row) => row.detail).join("\n")).toContain("points_by_subject");
  });

  it("keeps subjects and sensitive fields in a snapshot, and reads them back from the copy", async () => {
    const work = temporary("subjects-snapshot-");
    const live = await EmbeddedVectorStore.open({ dataDir: join(work, "live") });
    await live.createCollection("t", {
      name: "people",
      dimension: 2,
      distance: "dot",
      sensitiveFields: ["ssn"],
    });
    await live.upsert("t", "people", [
      { id: "a", vector: [1, 0], subject: "person-1" },
      { id: "b", vector: [0, 1] },
    ]);
    await live.snapshot(join(work, "copy"));
    await live.close();
    const copy = await EmbeddedVectorStore.open({ dataDir: join(work, "copy") });
    try {
      expect((await copy.getCollection("t", "people")).sensitiveFields).toEqual(["ssn"]);
      expect(await copy.get("t", "people", ["a", "b"], { withVector: false })).toEqual([
        { id: "a", payload: {}, subject: "person-1" },
        { id: "b", payload: {} },
      ]);
      expect(await copy.delete("t", "people", { subject: "person-1" })).toBe(1);
      expect(await copy.count("t", "people")).toBe(1);
    } finally {
      await copy.close();
    }
  });
});
