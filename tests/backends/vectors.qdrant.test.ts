import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, describe } from "vitest";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";
import { describeVectorStoreContract } from "../contract/vectors.contract.js";

/**
 * The VectorStore contract against a real Qdrant (1.11 or later) at `QDRANT_URL`
 * (`QDRANT_API_KEY` when it needs one). No registry ships a Qdrant server, so this runs
 * wherever one is reachable and is skipped elsewhere. Every run uses its own collection
 * prefix and drops its collections after each test, so runs may share one Qdrant.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = `t${randomBytes(6).toString("hex")}`;
const title = url
  ? `Qdrant at ${url}`
  : "Qdrant (skipped: set QDRANT_URL, e.g. http://127.0.0.1:6333, to run the contract)";

describe.skipIf(!url)(title, () => {
  const options = { url: url ?? "", collectionPrefix: prefix, ...(apiKey ? { apiKey } : {}) };
  let admin: QdrantClient | undefined;

  async function dropRunCollections(): Promise<void> {
    admin ??= new QdrantClient({
      url: options.url,
      ...(apiKey ? { apiKey } : {}),
      checkCompatibility: false,
    });
    const { collections } = await admin.getCollections();
    const ours = collections.filter((c) => c.name.startsWith(`${prefix}_`));
    await Promise.all(ours.map((c) => admin?.deleteCollection(c.name)));
  }

  afterAll(dropRunCollections);

  describeVectorStoreContract("qdrant", async () => {
    let store = await QdrantVectorStore.connect(options);
    return {
      store,
      async reopen() {
        await store.close();
        store = await QdrantVectorStore.connect(options);
        return store;
      },
      async cleanup() {
        await store.close();
        await dropRunCollections();
      },
    };
  });
});
