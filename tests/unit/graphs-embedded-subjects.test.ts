import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { graphDatabaseFile } from "../../clients/graphs/embedded/schema.js";
import { EmbeddedGraphStore } from "../../clients/graphs/embedded/store.js";

/** The graph schema as it was before write times and subjects. */
const oldSchema = `
CREATE TABLE nodes (
  tenant TEXT NOT NULL, id TEXT NOT NULL, labels TEXT NOT NULL, properties TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE TABLE relationships (
  tenant TEXT NOT NULL, id TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL,
  type TEXT NOT NULL, properties TEXT NOT NULL, UNIQUE (tenant, id)
);
CREATE INDEX relationships_out ON relationships (tenant, from_id, type, to_id, id);
CREATE INDEX relationships_in ON relationships (tenant, to_id, type, from_id, id);
INSERT INTO nodes VALUES ('t', 'a', '["P"]', '{"n":1}'), ('t', 'b', '[]', '{}');
INSERT INTO relationships VALUES ('t', 'r1', 'a', 'b', 'KNOWS', '{}');
`;

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-graph-subjects-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded graph store: subjects in a database made before them", () => {
  it("adds the subject column and indexes in place, keeps the rows, and serves subjects on every path", async () => {
    const old = new Database(join(dataDir, graphDatabaseFile));
    old.exec(oldSchema);
    old.close();

    const store = await EmbeddedGraphStore.open({ dataDir, readerThreads: 1 });
    try {
      expect(await store.getNode("t", "a")).toStrictEqual({
        id: "a",
        labels: ["P"],
        properties: { n: 1 },
      });
      expect(await store.subjectNodes("t", "s", { limit: 10 })).toStrictEqual({ nodes: [] });

      await store.upsertNodes("t", [{ id: "b", labels: [], properties: {}, subject: "s" }]);
      await store.upsertRelationships("t", [
        { id: "r1", fromId: "a", toId: "b", type: "KNOWS", properties: {}, subject: "s" },
      ]);
      // Neighbors runs on the reader thread, on its own connection.
      const around = await store.neighbors("t", {
        nodeId: "a",
        direction: "out",
        types: [],
        labels: [],
        maxDepth: 1,
        limit: 10,
      });
      expect(around.nodes.map((n) => [n.id, n.subject])).toEqual([
        ["a", undefined],
        ["b", "s"],
      ]);
      expect(around.relationships.map((r) => r.subject)).toEqual(["s"]);
      const path = await store.shortestPath("t", {
        fromId: "a",
        toId: "b",
        types: [],
        maxDepth: 2,
        direction: "out",
      });
      expect(path.relationships.map((r) => r.subject)).toEqual(["s"]);
      expect((await store.subjectNodes("t", "s", { limit: 10 })).nodes.map((n) => n.id)).toEqual([
        "b",
      ]);
      expect(await store.deleteSubject("t", "s", 10)).toEqual({ nodes: 1, relationships: 1 });
      expect(await store.usage("t")).toEqual({ nodes: 1, relationships: 0 });
    } finally {
      await store.close();
    }

    const db = new Database(join(dataDir, graphDatabaseFile), { readonly: true });
    try {
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%subject%'")
        .pluck()
        .all();
      expect(indexes.sort()).toEqual(["nodes_by_subject", "relationships_by_subject"]);
      const plan = db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT id FROM nodes WHERE tenant = 't' AND subject = 's' AND id > '' ORDER BY id",
        )
        .all() as { detail: string }[];
      expect(plan.map((step) => step.detail).join("\n")).toContain("nodes_by_subject");
    } finally {
      db.close();
    }
  });

  it("opens a database that already has subjects without changing them", async () => {
    let store = await EmbeddedGraphStore.open({ dataDir, readerThreads: 0 });
    await store.upsertNodes("t", [{ id: "a", labels: [], properties: {}, subject: "s" }]);
    await store.close();
    store = await EmbeddedGraphStore.open({ dataDir, readerThreads: 0 });
    try {
      expect((await store.getNode("t", "a")).subject).toBe("s");
    } finally {
      await store.close();
    }
  });
});
