import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import { describeVectorStoreContract } from "./vectors.contract.js";

describeVectorStoreContract("embedded (usearch + SQLite)", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-vectors-"));
  let store = await EmbeddedVectorStore.open({ dataDir });
  return {
    store,
    async reopen() {
      await store.close();
      store = await EmbeddedVectorStore.open({ dataDir });
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
