import { join } from "node:path";
import type { EnvReader } from "./env-reader.js";

/** Encryption at rest: where the key-encryption keys are, what is sealed, how keys are cached. */
export interface EncryptionConfig {
  /**
   * `ENCRYPTION_KEY_FILE`: the JSON file of key-encryption keys (`npx ragplane keys init`).
   * Default `<DATA_DIR>/keys/kek.json`, made on first start; production must set it.
   */
  readonly keyFile: string;
  /** True when `keyFile` is the local default, which is created (mode 0600) when absent. */
  readonly createKeyFile: boolean;
  /**
   * `ENCRYPTION_AT_REST`: seal every event under its tenant's key (or its subject's).
   * `false` seals only data that has a subject. Default true.
   */
  readonly atRest: boolean;
  /**
   * `ENCRYPTION_KEY_CACHE_MS`: how long a replica keeps an unwrapped data key, 0 to
   * 300 000 ms; also how long an erased subject's key may still open data on another
   * replica. Default 5 000.
   */
  readonly keyCacheMs: number;
}

/** The default key file under DATA_DIR, for local use. */
export function defaultKeyFile(dataDir: string): string {
  return join(dataDir, "keys", "kek.json");
}

/** Reads the encryption settings; `dataDir` is DATA_DIR, already absolute. */
export function readEncryption(read: EnvReader, dataDir: string): EncryptionConfig {
  const keyFile = read.optional("ENCRYPTION_KEY_FILE");
  return {
    keyFile: keyFile ?? defaultKeyFile(dataDir),
    createKeyFile: keyFile === undefined,
    atRest: read.boolean("ENCRYPTION_AT_REST", true),
    keyCacheMs: read.integer("ENCRYPTION_KEY_CACHE_MS", 5_000, 0, 300_000),
  };
}
