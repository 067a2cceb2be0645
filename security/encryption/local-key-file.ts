import type { KeyObject } from "node:crypto";
import { type Stats, unwatchFile, watchFile } from "node:fs";
import { throwIfAborted } from "../../clients/errors.js";
import { open, seal } from "./envelope.js";
import {
  createKeyFile,
  type KeyFileContents,
  KeyFileError,
  KeyFileExistsError,
  keyFileAccess,
  parseKeyFile,
  readKeyText,
} from "./key-file.js";
import { type KeyProvider, UnknownKekError, type WrappedKey } from "./key-provider.js";

/** Where {@link LocalKeyFileProvider} reports key file changes and problems (pino fits). */
export interface KeyFileLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What {@link LocalKeyFileProvider.open} needs. */
export interface LocalKeyFileOptions {
  /** The key file (`ENCRYPTION_KEY_FILE`). */
  readonly path: string;
  /**
   * Production: a key file other users may read is refused (at open, and on a change,
   * which is then ignored). Otherwise, and for a file its group may read, it is accepted
   * with a warning. Default false.
   */
  readonly production?: boolean;
  /**
   * Creates the file with one key (mode 0600) when it does not exist: for the local default
   * under DATA_DIR only, never in production. Default false.
   */
  readonly createIfMissing?: boolean;
  /** How often the file's mtime is polled for changes, in ms. Default 2 000. */
  readonly pollMs?: number;
  /** Receives reloads, warnings and rejected changes. Default: silent. */
  readonly logger?: KeyFileLogger;
}

const utf8 = new TextEncoder();

/**
 * KEKs from a local JSON key file (see `key-file.ts`). Wraps with AES-256-GCM under the
 * active key, bound to its id. The file is polled and re-read when it changes, so an
 * operator rotates without downtime: `npx ragplane keys rotate <file>` adds a key and
 * makes it active; the old keys keep unwrapping until RewrapDataKeys has moved every data
 * key, and may then be removed from the file. A change that does not parse (or, in
 * production, a file opened to other users) is logged and ignored: the keys read last stay.
 * Unwrapping with an id it does not hold re-reads the file once first, so that a replica
 * whose poll has not yet seen a rotation made elsewhere still opens the new data keys.
 */
export class LocalKeyFileProvider implements KeyProvider {
  readonly #path: string;
  readonly #production: boolean;
  readonly #logger: KeyFileLogger | undefined;
  #contents: KeyFileContents;
  #reloading: Promise<void> | undefined;
  #watching = false;

  private constructor(options: LocalKeyFileOptions, contents: KeyFileContents) {
    this.#path = options.path;
    this.#production = options.production ?? false;
    this.#logger = options.logger;
    this.#contents = contents;
  }

  /**
   * Reads the key file (creating it first when `createIfMissing` and absent) and starts
   * watching it. Throws {@link KeyFileError} when it is missing, invalid, or (in
   * production) readable by others.
   */
  static async open(options: LocalKeyFileOptions): Promise<LocalKeyFileProvider> {
    const pollMs = options.pollMs ?? 2_000;
    if (!Number.isFinite(pollMs) || pollMs <= 0) {
      throw new RangeError(`pollMs must be a positive number, got ${pollMs}`);
    }
    if (options.createIfMissing) {
      try {
        const id = await createKeyFile(options.path);
        options.logger?.info(
          { keyFile: options.path, kekId: id },
          "created the local key-encryption key file",
        );
      } catch (error) {
        if (!(error instanceof KeyFileExistsError)) throw error;
      }
    }
    const provider = new LocalKeyFileProvider(options, await load(options));
    provider.#watch(pollMs);
    return provider;
  }

  /** The key file. */
  get path(): string {
    return this.#path;
  }

  activeKeyId(): string {
    return this.#contents.active;
  }

  keyIds(): readonly string[] {
    return [...this.#contents.keys.keys()];
  }

  async wrap(dataKey: Uint8Array, signal?: AbortSignal): Promise<WrappedKey> {
    throwIfAborted(signal);
    const { active, keys } = this.#contents;
    const kek = keys.get(active) as KeyObject;
    return { kekId: active, wrapped: seal(kek, dataKey, utf8.encode(active)) };
  }

  async unwrap(kekId: string, wrapped: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal);
    let kek = this.#contents.keys.get(kekId);
    if (kek === undefined) {
      await this.reload();
      kek = this.#contents.keys.get(kekId);
    }
    if (kek === undefined) throw new UnknownKekError(kekId);
    return open(kek, wrapped, utf8.encode(kekId));
  }

  /**
   * Reads the file again now (the poll does this on every change). Never rejects: a file
   * that cannot be used is logged and the keys read last stay. Concurrent calls share one read.
   */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async close(): Promise<void> {
    if (!this.#watching) return;
    this.#watching = false;
    unwatchFile(this.#path, this.#onChange);
  }

  async #reload(): Promise<void> {
    try {
      const next = await load({
        path: this.#path,
        production: this.#production,
        ...(this.#logger === undefined ? {} : { logger: this.#logger }),
      });
      const before = this.#contents;
      this.#contents = next;
      if (next.active !== before.active || next.keys.size !== before.keys.size) {
        this.#logger?.info(
          { keyFile: this.#path, activeKekId: next.active, kekIds: [...next.keys.keys()] },
          "key-encryption keys reloaded",
        );
      }
    } catch (error) {
      this.#logger?.error(
        { keyFile: this.#path, err: error instanceof Error ? error.message : String(error) },
        "key file change ignored: the keys read last stay in use",
      );
    }
  }

  readonly #onChange = (current: Stats, previous: Stats): void => {
    if (
      current.mtimeMs === previous.mtimeMs &&
      current.ino === previous.ino &&
      current.size === previous.size
    ) {
      return;
    }
    if (current.nlink === 0 && current.mtimeMs === 0) return;
    void this.reload();
  };

  #watch(pollMs: number): void {
    watchFile(this.#path, { interval: pollMs, persistent: false }, this.#onChange);
    this.#watching = true;
  }
}

async function load(options: LocalKeyFileOptions): Promise<KeyFileContents> {
  const text = await readKeyText(options.path);
  const access = await keyFileAccess(options.path);
  if (access !== "none") {
    const fix = `run chmod 600 ${options.path}`;
    if (access === "others" && options.production) {
      throw new KeyFileError(options.path, `is accessible to other users; ${fix}`);
    }
    options.logger?.warn(
      { keyFile: options.path },
      access === "others"
        ? `key file is accessible to other users (refused in production); ${fix}`
        : `key file is readable by its group (as Kubernetes mounts a Secret under fsGroup); make the group ragplane's alone, or ${fix}`,
    );
  }
  return parseKeyFile(options.path, text);
}
