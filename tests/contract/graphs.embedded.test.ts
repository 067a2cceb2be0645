import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedGraphStore } from "../../clients/graphs/embedded/store.js";
import { describeGraphStoreContract } from "./graphs.contract.js";

for (const readerThreads of [2, 0]) {
  const where = readerThreads > 0 ? "traversals on reader threads" : "all on the event loop";
  describeGraphStoreContract(`embedded (SQLite, ${where})`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ragplane-graphs-"));
    let store = await EmbeddedGraphStore.open({ dataDir, readerThreads });
    return {
      store,
      async reopen() {
        await store.close();
        store = await EmbeddedGraphStore.open({ dataDir, readerThreads });
        return store;
      },
      async cleanup() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
}
