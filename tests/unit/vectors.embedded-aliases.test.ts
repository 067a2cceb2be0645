import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";

describe("embedded aliases table", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is added in place to a store made before aliases existed, whose data stays", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aliases-"));
    dirs.push(dataDir);
    let store = await EmbeddedVectorStore.open({ dataDir });
    await store.createCollection("t", { name: "docs", dimension: 2, distance: "dot" });
    await store.upsert("t", "docs", [{ id: "a", vector: [1, 0] }]);
    await store.close();
    const db = new Database(join(dataDir, "vectors.sqlite"));
    db.exec("DROP TABLE aliases");
    db.close();

    store = await EmbeddedVectorStore.open({ dataDir });
    expect(await store.listAliases("t", { limit: 10 })).toEqual({ aliases: [] });
    await store.putAlias("t", "live", "docs");
    expect(await store.count("t", "live")).toBe(1);
    await store.close();

    store = await EmbeddedVectorStore.open({ dataDir });
    expect((await store.getCollection("t", "live")).name).toBe("docs");
    await store.close();
  });

  it("keeps SQLite itself from deleting a collection an alias points to", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aliases-"));
    dirs.push(dataDir);
    const store = await EmbeddedVectorStore.open({ dataDir });
    await store.createCollection("t", { name: "docs", dimension: 2, distance: "dot" });
    await store.putAlias("t", "live", "docs");
    await store.close();
    const db = new Database(join(dataDir, "vectors.sqlite"));
    db.pragma("foreign_keys = ON");
    expect(() => db.exec("DELETE FROM collections WHERE name = 'docs'")).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
