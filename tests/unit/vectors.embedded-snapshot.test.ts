import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import type { PointInput, SearchQuery } from "../../clients/vectors/port.js";

const tenant = "acme";

function points(prefix: string, n: number): PointInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    vector: [Math.sin(i), Math.cos(i), Math.sin(i * 0.37), Math.cos(i * 1.91)],
    payload: { i },
  }));
}

const query: SearchQuery = {
  vector: [0.3, -0.2, 0.9, 0.1],
  limit: 5,
  withPayload: true,
  withVector: false,
  exact: false,
};

interface Row {
  name: string;
  uid: number;
  version: number;
  saved_version: number | null;
  saved_checksum: string | null;
}

let work: string;
let live: EmbeddedVectorStore;
let copy: EmbeddedVectorStore | undefined;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "ragplane-vectors-snapshot-"));
  live = await EmbeddedVectorStore.open({ dataDir: join(work, "live") });
  for (const name of ["kept", "moving", "unread"]) {
    await live.createCollection(tenant, { name, dimension: 4, distance: "cosine" });
    await live.upsert(tenant, name, points(name, 2000));
  }
  await live.search(tenant, "kept", query);
  await live.search(tenant, "moving", query);
});

afterEach(async () => {
  await live.close();
  await copy?.close();
  await rm(work, { recursive: true, force: true });
});

it("copies the saved index of each collection unchanged since the copy began, and marks the others for a rebuild", async () => {
  const target = join(work, "copy");
  const snapshot = live.snapshot(target);
  await live.upsert(tenant, "moving", points("late", 1));
  await snapshot;
  expect(readdirSync(target).sort()).toEqual(["vector-indexes", "vectors.sqlite"]);

  const db = new Database(join(target, "vectors.sqlite"), { readonly: true });
  const rows = db.prepare("SELECT * FROM collections ORDER BY name").all() as Row[];
  db.close();
  const moving = rows.find((row) => row.name === "moving");
  expect(moving?.saved_version).toBeNull();
  const current = rows.filter((row) => row.name !== "moving");
  for (const row of current) {
    expect(row.saved_version, row.name).toBe(row.version);
    const index = readFileSync(join(target, "vector-indexes", `${row.uid}.bf16.usearch`));
    expect(createHash("sha256").update(index).digest("hex")).toBe(row.saved_checksum);
  }
  expect(readdirSync(join(target, "vector-indexes")).sort()).toEqual(
    current.map((row) => `${row.uid}.bf16.usearch`).sort(),
  );
});

it("opens as a store that answers as the live one did when the copy ended", async () => {
  const target = join(work, "copy");
  const snapshot = live.snapshot(target);
  await live.upsert(tenant, "moving", points("late", 1));
  await snapshot;

  copy = await EmbeddedVectorStore.open({ dataDir: target });
  for (const name of ["kept", "moving", "unread"]) {
    expect(await copy.count(tenant, name)).toBe(await live.count(tenant, name));
    expect(await copy.search(tenant, name, query)).toEqual(await live.search(tenant, name, query));
  }
  expect(await copy.get(tenant, "moving", ["late0"], { withVector: false })).toEqual([
    { id: "late0", payload: { i: 0 } },
  ]);
});
