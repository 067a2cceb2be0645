import type { Logger } from "pino";
import { EmbeddedDataKeyStore, keysDirectoryName } from "../clients/keys/embedded/store.js";
import type { DataKeyStore } from "../clients/keys/port.js";
import { RedisDataKeyStore } from "../clients/keys/redis/store.js";
import type { RedisConnection } from "../clients/redis/connection.js";
import { StoredDataKeyring } from "../security/encryption/data-keyring.js";
import { LocalKeyFileProvider } from "../security/encryption/local-key-file.js";
import { type BackupSource, fileCopy } from "./backup/sources.js";
import type { Config } from "./config.js";
import { connectInBackground } from "./deferred-engine.js";

/** The keyring of a server, with what a backup copies of it and how to close it. */
export interface OpenKeyring {
  readonly keyring: StoredDataKeyring;
  /** Which store holds the data keys: `redis` or `embedded`. */
  readonly storeKind: "redis" | "embedded";
  /** The embedded data key store and the local key file (when under DATA_DIR). */
  readonly backupSources: readonly BackupSource[];
  /** Stops watching the key file and closes the key store. */
  close(): Promise<void>;
}

/**
 * Opens the key provider (`ENCRYPTION_KEY_FILE`, created on a first local start when it is
 * the default) and the data key store: Redis when `REDIS_URL` is set (shared by replicas;
 * calls answer UNAVAILABLE until Redis is connected), SQLite under `<DATA_DIR>/keys`
 * otherwise. Throws `KeyFileError` when the key file cannot be used.
 */
export async function openKeyring(
  config: Config,
  redis: Promise<RedisConnection> | undefined,
  logger?: Logger,
): Promise<OpenKeyring> {
  const { encryption } = config;
  const provider = await LocalKeyFileProvider.open({
    path: encryption.keyFile,
    production: config.production,
    createIfMissing: encryption.createKeyFile && !config.production,
    ...(logger === undefined ? {} : { logger }),
  });
  let store: DataKeyStore;
  const backupSources: BackupSource[] = [];
  try {
    if (redis !== undefined) {
      store = connectInBackground(async () => new RedisDataKeyStore({ redis: await redis }), {
        name: "data key store",
        ...(logger === undefined ? {} : { logger }),
      }).engine;
    } else {
      const embedded = await EmbeddedDataKeyStore.open(config.dataDir);
      backupSources.push({ name: "data keys", directory: keysDirectoryName, store: embedded });
      store = embedded;
    }
  } catch (error) {
    await provider.close();
    throw error;
  }
  if (redis !== undefined && encryption.createKeyFile) {
    logger?.warn(
      { keyFile: encryption.keyFile },
      "data keys are shared in Redis but the key file is this DATA_DIR's own: every replica on this Redis must use the same key file (set ENCRYPTION_KEY_FILE), or it cannot open the others' data",
    );
  }
  if (encryption.createKeyFile) {
    backupSources.push({
      name: "key-encryption keys",
      directory: keysDirectoryName,
      store: fileCopy(encryption.keyFile),
    });
  }
  return {
    keyring: new StoredDataKeyring({ provider, store, cacheMs: encryption.keyCacheMs }),
    storeKind: redis === undefined ? "embedded" : "redis",
    backupSources,
    async close() {
      await provider.close();
      await store.close();
    },
  };
}
