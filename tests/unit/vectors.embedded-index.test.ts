import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import type { PointInput } from "../../clients/vectors/port.js";

const storeModule = resolve(import.meta.dirname, "../../clients/vectors/embedded/store.ts");
const tenant = "acme";
const dimension = 4;
/** More points than the embedded engine searches exactly, so searches go through HNSW. */
const count = 4200;

function grid(n: number): PointInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    vector: [Math.sin(i), Math.cos(i), Math.sin(i * 0.37), Math.cos(i * 1.91)],
    payload: { i },
  }));
}

const probe: PointInput = { id: "probe", vector: [40, -40, 40, -40], payload: { probe: true } };

let dataDir: string;
let store: EmbeddedVectorStore | undefined;

async function open(): Promise<EmbeddedVectorStore> {
  await store?.close();
  store = await EmbeddedVectorStore.open({ dataDir });
  return store;
}

async function expectProbeFound(s: EmbeddedVectorStore, total: number): Promise<void> {
  expect(await s.count(tenant, "docs")).toBe(total);
  const [hit] = await s.search(tenant, "docs", {
    vector: probe.vector,
    limit: 1,
    withPayload: true,
    withVector: false,
    exact: false,
  });
  expect(hit).toEqual({ id: "probe", score: 0, payload: { probe: true } });
}

function indexFiles(): string[] {
  return readdirSync(join(dataDir, "vector-indexes")).filter((f) => f.endsWith(".usearch"));
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-vectors-recovery-"));
  const s = await open();
  await s.createCollection(tenant, { name: "docs", dimension, distance: "euclid" });
  for (let start = 0; start < count; start += 1000) {
    await s.upsert(tenant, "docs", grid(count).slice(start, start + 1000));
  }
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe("EmbeddedVectorStore index maintenance and recovery", () => {
  it("saves the index on close and serves searches from it after reopening", async () => {
    await open();
    expect(indexFiles()).toHaveLength(1);
    await (store as EmbeddedVectorStore).upsert(tenant, "docs", [probe]);
    await expectProbeFound(await open(), count + 1);
  });

  it("rebuilds from SQLite after a process exits without closing", async () => {
    await store?.close();
    store = undefined;
    const script = `
      import { EmbeddedVectorStore } from ${JSON.stringify(storeModule)};
      const store = await EmbeddedVectorStore.open({ dataDir: ${JSON.stringify(dataDir)} });
      await store.upsert("acme", "docs", [${JSON.stringify(probe)}]);
      await store.delete("acme", "docs", { ids: ["p0", "p1"] });
      process.exit(0);
    `;
    execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    const reopened = await open();
    await expectProbeFound(reopened, count - 1);
    expect(await reopened.get(tenant, "docs", ["p0", "p1", "p2"], { withVector: false })).toEqual([
      { id: "p2", payload: { i: 2 } },
    ]);
  });

  it("rebuilds when the saved index is corrupt", async () => {
    await (store as EmbeddedVectorStore).upsert(tenant, "docs", [probe]);
    await store?.close();
    store = undefined;
    const [file] = indexFiles();
    writeFileSync(join(dataDir, "vector-indexes", file as string), "not an index");
    await expectProbeFound(await open(), count + 1);
  });

  it("rebuilds when the saved index does not hold the stored points", async () => {
    await open();
    const [file] = indexFiles();
    const path = join(dataDir, "vector-indexes", file as string);
    copyFileSync(path, `${path}.old`);
    await (store as EmbeddedVectorStore).upsert(tenant, "docs", [probe]);
    await store?.close();
    store = undefined;
    copyFileSync(`${path}.old`, path);
    await expectProbeFound(await open(), count + 1);
  });

  it("keeps searching correctly after deleting most points (index compaction)", async () => {
    const s = store as EmbeddedVectorStore;
    const deleted = await s.delete(tenant, "docs", {
      filter: { must: [{ key: "i", range: { lt: 2150 } }] },
    });
    expect(deleted).toBe(2150);
    await s.upsert(tenant, "docs", [probe]);
    await expectProbeFound(s, count - 2150 + 1);
    const hits = await s.search(tenant, "docs", {
      vector: [0, 1, 0, 1],
      limit: 50,
      withPayload: true,
      withVector: false,
      exact: false,
    });
    expect(hits).toHaveLength(50);
    expect(hits.every((hit) => hit.id === "probe" || (hit.payload?.i as number) >= 2150)).toBe(
      true,
    );
    await expectProbeFound(await open(), count - 2150 + 1);
  });
});
