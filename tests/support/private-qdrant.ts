import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll } from "vitest";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/** The Qdrant of the backend tests (`QDRANT_URL`, `QDRANT_API_KEY`); undefined when not set. */
export const qdrantUrl = process.env.QDRANT_URL;

/** A Qdrant vector store on a collection prefix of its own, and a raw client to look inside. */
export interface PrivateQdrant {
  /** The prefix of every Qdrant collection the store makes (`<prefix>_catalog`, …). */
  readonly prefix: string;
  /** The store, connected before the suite's tests. */
  readonly store: QdrantVectorStore;
  /** Qdrant's own REST client, to check what the store wrote. */
  readonly admin: QdrantClient;
  /** The Qdrant collections of this prefix, sorted. */
  ourCollections(): Promise<string[]>;
  /** Closes the store and connects a new one, as a restarted server would. */
  reconnect(): Promise<void>;
}

/**
 * Registers, in the calling `describe`, hooks that connect a Qdrant vector store with a
 * random collection prefix starting with `letter` before its tests, and close it and
 * delete every collection of the prefix after them.
 */
export function privateQdrant(letter: string): PrivateQdrant {
  const apiKey = process.env.QDRANT_API_KEY;
  const prefix = `${letter}${randomBytes(6).toString("hex")}`;
  const options = { url: qdrantUrl ?? "", collectionPrefix: prefix, ...(apiKey ? { apiKey } : {}) };
  let store: QdrantVectorStore | undefined;
  let admin: QdrantClient | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the private Qdrant ${what} is not connected yet`);
    return value;
  };
  const fixture: PrivateQdrant = {
    prefix,
    get store() {
      return ready(store, "store");
    },
    get admin() {
      return ready(admin, "client");
    },
    async ourCollections() {
      return (await fixture.admin.getCollections()).collections
        .map((collection) => collection.name)
        .filter((name) => name.startsWith(`${prefix}_`))
        .sort();
    },
    async reconnect() {
      await store?.close();
      store = await QdrantVectorStore.connect(options);
    },
  };
  beforeAll(async () => {
    store = await QdrantVectorStore.connect(options);
    admin = new QdrantClient({ ...options, checkCompatibility: false });
  });
  afterAll(async () => {
    await store?.close();
    if (admin === undefined) return;
    const names = await fixture.ourCollections();
    await Promise.all(names.map((name) => fixture.admin.deleteCollection(name)));
  });
  return fixture;
}
