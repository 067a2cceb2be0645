import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError, EngineTimeoutError, NotFoundError } from "../../clients/errors.js";
import { readerNice } from "../../clients/graphs/embedded/readers.js";
import { EmbeddedGraphStore } from "../../clients/graphs/embedded/store.js";
import type { NeighborsQuery } from "../../clients/graphs/port.js";

let dir: string;
let store: EmbeddedGraphStore;

const around = (nodeId: string): NeighborsQuery => ({
  nodeId,
  direction: "both",
  types: [],
  labels: [],
  maxDepth: 5,
  limit: 1000,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "ragplane-readers-"));
  store = await EmbeddedGraphStore.open({ dataDir: dir, readerThreads: 1 });
  const ids = Array.from({ length: 200 }, (_, i) => `n${i}`);
  await store.upsertNodes(
    "t",
    ids.map((id) => ({ id, labels: ["N"], properties: {} })),
  );
  await store.upsertRelationships(
    "t",
    ids.slice(1).map((id, i) => ({ fromId: `n${i}`, toId: id, type: "NEXT", properties: {} })),
  );
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("embedded graph traversals on reader threads", () => {
  it("leave the event loop free while they run", async () => {
    const order: string[] = [];
    const immediate = new Promise<void>((resolve) =>
      setImmediate(() => {
        order.push("event loop");
        resolve();
      }),
    );
    const traversal = store.neighbors("t", around("n0")).then(() => order.push("traversal"));
    await Promise.all([immediate, traversal]);
    expect(order).toEqual(["event loop", "traversal"]);
  });

  it("see every batch committed before they start", async () => {
    await store.upsertNodes("t", [{ id: "late", labels: ["N"], properties: {} }]);
    await store.upsertRelationships("t", [
      { fromId: "n0", toId: "late", type: "NEXT", properties: {} },
    ]);
    const found = await store.neighbors("t", { ...around("late"), maxDepth: 1 });
    expect(found.nodes.map((node) => node.id)).toEqual(["late", "n0"]);
  });

  it("answer a cancelled caller at once, and the thread goes on with the next job", async () => {
    const controller = new AbortController();
    const cancelled = store.shortestPath(
      "t",
      { fromId: "n0", toId: "n199", types: [], maxDepth: 10, direction: "both" },
      controller.signal,
    );
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    const path = await store.shortestPath("t", {
      fromId: "n0",
      toId: "n5",
      types: [],
      maxDepth: 10,
      direction: "out",
    });
    expect(path.nodes.map((node) => node.id)).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
  });

  it("answer a caller out of time with EngineTimeoutError", async () => {
    const signal = AbortSignal.timeout(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(store.neighbors("t", around("n0"), signal)).rejects.toBeInstanceOf(
      EngineTimeoutError,
    );
  });

  it("keep domain errors' classes across threads", async () => {
    await expect(store.neighbors("t", around("missing"))).rejects.toEqual(
      new NotFoundError("node", "missing"),
    );
  });

  it("serve jobs queued behind a busy thread in order", async () => {
    const results = await Promise.all(
      ["n0", "n50", "n100", "n150"].map((id) =>
        store.neighbors("t", { ...around(id), maxDepth: 1 }),
      ),
    );
    expect(results.map((result) => result.nodes[0]?.id)).toEqual(["n0", "n50", "n100", "n150"]);
  });
});

/** The nice value of each thread of this process (Linux). */
function threadNiceValues(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[16]);
  });
}

describe.runIf(process.platform === "linux")("reader thread priority", () => {
  it("runs reader threads below the event loop's priority", async () => {
    await store.neighbors("t", around("n0"));
    expect(threadNiceValues()).toContain(readerNice);
    expect(threadNiceValues()).toContain(0);
  });
});
