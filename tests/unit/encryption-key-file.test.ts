import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createKeyFile,
  KeyFileError,
  KeyFileExistsError,
  parseKeyFile,
  rotateKeyFile,
} from "../../security/encryption/key-file.js";
import { UnknownKekError } from "../../security/encryption/key-provider.js";
import { LocalKeyFileProvider } from "../../security/encryption/local-key-file.js";

function recordingLogger() {
  const lines: { level: string; details: object; message: string }[] = [];
  const at = (level: string) => (details: object, message: string) =>
    lines.push({ level, details, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the local key file and its provider", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function tempPath(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "ragplane-kek-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return join(dir, "keys", "kek.json");
  }

  async function openProvider(options: Parameters<typeof LocalKeyFileProvider.open>[0]) {
    const provider = await LocalKeyFileProvider.open(options);
    cleanups.unshift(() => provider.close());
    return provider;
  }

  it("init writes one active 32-byte key with mode 0600 and never overwrites", async () => {
    const path = await tempPath();
    const id = await createKeyFile(path);
    const contents = JSON.parse(await readFile(path, "utf8"));
    expect(contents.active).toBe(id);
    expect(Object.keys(contents.keys)).toEqual([id]);
    expect(Buffer.from(contents.keys[id], "base64")).toHaveLength(32);
    if (process.platform !== "win32") expect((await stat(path)).mode & 0o777).toBe(0o600);
    await expect(createKeyFile(path)).rejects.toBeInstanceOf(KeyFileExistsError);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(contents);
  });

  it("rotate adds a key, makes it active and keeps the others", async () => {
    const path = await tempPath();
    const first = await createKeyFile(path);
    const { active, retired } = await rotateKeyFile(path);
    expect(retired).toEqual([first]);
    const contents = JSON.parse(await readFile(path, "utf8"));
    expect(contents.active).toBe(active);
    expect(Object.keys(contents.keys).sort()).toEqual([first, active].sort());
    if (process.platform !== "win32") expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("names the problem of an invalid file without printing key material", () => {
    const secret = randomBytes(31).toString("base64");
    const cases: [string, RegExp][] = [
      ["{", /is not JSON/],
      ["[]", /must be an object/],
      [JSON.stringify({ keys: {} }), /"active" must name/],
      [JSON.stringify({ active: "a", keys: { a: secret } }), /key "a" must be the base64 of 32/],
      [
        JSON.stringify({ active: "b", keys: { a: randomBytes(32).toString("base64") } }),
        /"b", which is not among/,
      ],
      [JSON.stringify({ active: "a b", keys: { "a b": secret } }), /key id "a b" must match/],
    ];
    for (const [text, problem] of cases) {
      let error: unknown;
      try {
        parseKeyFile("/k.json", text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(KeyFileError);
      expect((error as Error).message).toMatch(problem);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it("wraps with the active key and unwraps only with the key and id it was wrapped by", async () => {
    const path = await tempPath();
    const provider = await openProvider({ path, createIfMissing: true });
    const dataKey = randomBytes(32);
    const { kekId, wrapped } = await provider.wrap(dataKey);
    expect(kekId).toBe(provider.activeKeyId());
    expect(Buffer.from(wrapped).includes(dataKey)).toBe(false);
    expect(Buffer.from(await provider.unwrap(kekId, wrapped))).toEqual(dataKey);
    await expect(provider.unwrap("kek-gone", wrapped)).rejects.toThrow(UnknownKekError);
    await expect(provider.unwrap("kek-gone", wrapped)).rejects.toThrow(/"kek-gone"/);
  });

  it("follows a rotation without a restart, and unwraps a key wrapped elsewhere at once", async () => {
    const path = await tempPath();
    const logger = recordingLogger();
    const polling = await openProvider({ path, createIfMissing: true, pollMs: 20, logger });
    const copy = join(dirname(path), "replica-kek.json");
    await copyFile(path, copy);
    const other = await openProvider({ path: copy, pollMs: 60_000 });
    const before = polling.activeKeyId();
    const { active } = await rotateKeyFile(path);
    await eventually(() => polling.activeKeyId() === active);
    expect(polling.keyIds()).toEqual(expect.arrayContaining([before, active]));
    const { wrapped } = await polling.wrap(randomBytes(32));
    await copyFile(path, copy);
    expect(other.activeKeyId()).toBe(before);
    expect(await other.unwrap(active, wrapped)).toHaveLength(32);
    expect(other.activeKeyId()).toBe(active);
    expect(logger.lines.some((line) => line.message === "key-encryption keys reloaded")).toBe(true);
  });

  it("ignores a change that breaks the file, keeps the keys, and logs without key material", async () => {
    const path = await tempPath();
    const logger = recordingLogger();
    const provider = await openProvider({ path, createIfMissing: true, pollMs: 20, logger });
    const active = provider.activeKeyId();
    const secret = randomBytes(31).toString("base64");
    await writeFile(path, JSON.stringify({ active: "x", keys: { x: secret } }));
    await eventually(() => logger.lines.some((line) => line.level === "error"));
    expect(provider.activeKeyId()).toBe(active);
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
  });

  it("refuses a file readable by others in production, and warns elsewhere", async () => {
    if (process.platform === "win32") return;
    const path = await tempPath();
    await createKeyFile(path);
    await chmod(path, 0o644);
    await expect(LocalKeyFileProvider.open({ path, production: true })).rejects.toThrow(
      /accessible to other users; run chmod 600/,
    );
    const logger = recordingLogger();
    await openProvider({ path, logger });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: "warn", message: expect.stringMatching(/chmod 600/) }),
    );
  });

  it("accepts a file its group may read in production (a Secret under fsGroup), with a warning", async () => {
    if (process.platform === "win32") return;
    const path = await tempPath();
    await createKeyFile(path);
    await chmod(path, 0o440);
    const logger = recordingLogger();
    await openProvider({ path, production: true, logger });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: "warn", message: expect.stringMatching(/its group/) }),
    );
  });

  it("says how to create a missing file", async () => {
    const path = await tempPath();
    await expect(LocalKeyFileProvider.open({ path })).rejects.toThrow(
      /does not exist; create it with: npx ragplane keys init/,
    );
  });
});
