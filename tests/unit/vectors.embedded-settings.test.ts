import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import { defaultIndexSettings } from "../../clients/vectors/port.js";

describe("embedded collections' index settings", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("survive a reopen, and a store made before they existed reads as the defaults", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "settings-"));
    dirs.push(dataDir);
    let store = await EmbeddedVectorStore.open({ dataDir });
    await store.createCollection("t", {
      name: "tuned",
      dimension: 2,
      distance: "dot",
      index: { m: 8, efConstruct: 64 },
    });
    await store.createCollection("t", { name: "plain", dimension: 2, distance: "dot" });
    await store.upsert("t", "tuned", [{ id: "a", vector: [1, 0] }]);
    await store.close();

    store = await EmbeddedVectorStore.open({ dataDir });
    expect((await store.getCollection("t", "tuned")).index).toEqual({ m: 8, efConstruct: 64 });
    await store.close();

    const db = new Database(join(dataDir, "vectors.sqlite"));
    db.exec("ALTER TABLE collections DROP COLUMN index_settings");
    db.close();
    store = await EmbeddedVectorStore.open({ dataDir });
    expect((await store.getCollection("t", "tuned")).index).toEqual(defaultIndexSettings);
    expect((await store.getCollection("t", "tuned")).pointCount).toBe(1);
    await store.close();
  });
});
