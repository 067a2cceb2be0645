import { createSecretKey, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { chmod, link, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * The local key file of key-encryption keys (KEKs):
 * `{ "active": "<id>", "keys": { "<id>": "<base64 of 32 random bytes>", ... } }`, mode 0600.
 * The active key wraps new data keys; the others stay for unwrapping until a re-wrap moved
 * every data key off them.
 */
export interface KeyFileContents {
  /** The id of the key that wraps new data keys; one of `keys`. */
  readonly active: string;
  /** Every key by id: 32-byte AES-256-GCM keys (secret `KeyObject`s, never printed). */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/** The key file cannot be used. The message names the file and the problem, never key material. */
export class KeyFileError extends Error {
  override readonly name: string = "KeyFileError";
  constructor(
    /** The key file. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`key file ${path}: ${message}`, options);
  }
}

/** {@link createKeyFile} found the file there already: a key file is never overwritten. */
export class KeyFileExistsError extends KeyFileError {
  override readonly name = "KeyFileExistsError";
  constructor(path: string) {
    super(
      path,
      "already exists; it is never overwritten (add a key with: npx ragplane keys rotate <file>)",
    );
  }
}

/** What a KEK id may look like: 1 to 64 of `[A-Za-z0-9._-]`. */
export const kekIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

const keyBytes = 32;

/**
 * Parses a key file's text. Throws {@link KeyFileError} naming the first problem: not JSON,
 * no `active`, no `keys`, a bad id, a value that is not the base64 of 32 bytes, or an
 * active id that is not among the keys.
 */
export function parseKeyFile(path: string, text: string): KeyFileContents {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeyFileError(path, "is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KeyFileError(path, 'must be an object { "active": "<id>", "keys": { ... } }');
  }
  const { active, keys } = value as Record<string, unknown>;
  if (typeof active !== "string" || active === "") {
    throw new KeyFileError(path, '"active" must name one of its keys');
  }
  if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
    throw new KeyFileError(path, '"keys" must be an object of key id to base64 key');
  }
  const parsed = new Map<string, KeyObject>();
  for (const [id, encoded] of Object.entries(keys)) {
    if (!kekIdPattern.test(id)) {
      throw new KeyFileError(path, `key id ${JSON.stringify(id)} must match ${kekIdPattern}`);
    }
    const bytes = typeof encoded === "string" ? decodeKey(encoded) : undefined;
    if (bytes === undefined) {
      throw new KeyFileError(path, `key "${id}" must be the base64 of ${keyBytes} random bytes`);
    }
    parsed.set(id, createSecretKey(bytes));
    bytes.fill(0);
  }
  if (parsed.size === 0) throw new KeyFileError(path, '"keys" holds no key');
  if (!parsed.has(active)) {
    throw new KeyFileError(path, `"active" names "${active}", which is not among its keys`);
  }
  return { active, keys: parsed };
}

/** A new KEK id: `kek-<UTC date and time>-<8 random hex digits>`, sortable by creation. */
export function newKekId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").slice(0, 15);
  return `kek-${stamp}-${randomBytes(4).toString("hex")}`;
}

/**
 * Creates a key file holding one new random key, active, with mode 0600 (its directory is
 * created with mode 0700 when missing). The file appears atomically and is never
 * overwritten: throws {@link KeyFileExistsError} when it exists. Resolves with the key's id.
 */
export async function createKeyFile(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const id = newKekId();
  const text = serialise(id, [[id, randomBytes(keyBytes).toString("base64")]]);
  const temporary = temporaryPath(path);
  try {
    await writePrivate(temporary, text);
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new KeyFileExistsError(path);
    }
    throw new KeyFileError(path, "cannot be created", { cause: error });
  } finally {
    await rm(temporary, { force: true });
  }
  return id;
}

/**
 * Adds a new random key to an existing key file and makes it active, keeping every other
 * key for unwrapping. The file is replaced atomically (mode 0600), so a server watching it
 * reads either the old or the new contents. Resolves with the new id and the ids kept.
 */
export async function rotateKeyFile(
  path: string,
): Promise<{ readonly active: string; readonly retired: readonly string[] }> {
  const text = await readKeyText(path);
  parseKeyFile(path, text);
  const { keys } = JSON.parse(text) as { keys: Record<string, string> };
  let id = newKekId();
  while (Object.hasOwn(keys, id)) id = newKekId();
  const entries: [string, string][] = [
    ...Object.entries(keys),
    [id, randomBytes(keyBytes).toString("base64")],
  ];
  const temporary = temporaryPath(path);
  try {
    await writePrivate(temporary, serialise(id, entries));
    await rename(temporary, path);
  } catch (error) {
    throw new KeyFileError(path, "cannot be replaced", { cause: error });
  } finally {
    await rm(temporary, { force: true });
  }
  return { active: id, retired: Object.keys(keys) };
}

/** The key file's text; throws {@link KeyFileError} when it is missing or unreadable. */
export async function readKeyText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new KeyFileError(path, "does not exist; create it with: npx ragplane keys init <file>");
    }
    throw new KeyFileError(path, "cannot be read", { cause: error });
  }
}

/**
 * Who besides its owner may access the file: `others` (mode bits 007), its `group` only
 * (070: what Kubernetes gives a Secret's files under a pod's `fsGroup`), or `none`.
 */
export async function keyFileAccess(path: string): Promise<"others" | "group" | "none"> {
  if (process.platform === "win32") return "none";
  const { mode } = await stat(path);
  if ((mode & 0o007) !== 0) return "others";
  return (mode & 0o070) !== 0 ? "group" : "none";
}

function decodeKey(encoded: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, "base64");
  return bytes.length === keyBytes ? bytes : undefined;
}

function serialise(active: string, entries: readonly (readonly [string, string])[]): string {
  return `${JSON.stringify({ active, keys: Object.fromEntries(entries) }, null, 2)}\n`;
}

function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomUUID()}.tmp`;
}

async function writePrivate(path: string, text: string): Promise<void> {
  const file = await open(path, "wx", 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  if (process.platform !== "win32") await chmod(path, 0o600);
}
