import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PreconditionError } from "../../clients/errors.js";
import { Backups, stagingDirectoryName } from "../../server/backup/backups.js";
import { type BackupSource, externalEngines, fileCopy } from "../../server/backup/sources.js";

let dataDir: string;

const note = (text: string): BackupSource => ({
  name: "notes",
  directory: "notes/deep",
  store: {
    async snapshot(targetDir) {
      await mkdir(targetDir, { recursive: true });
      await writeFile(join(targetDir, "note.txt"), text);
    },
  },
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-backups-"));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("Backups", () => {
  it("runs one backup at a time, and the next once the first is closed", async () => {
    const backups = new Backups({ dataDir, sources: [note("a")], external: [] });
    const first = await backups.open();
    const refused = await backups.open().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreconditionError);
    expect((refused as Error).message).toBe(
      "another backup is running on this server; retry when it ends",
    );
    await first.close();
    const second = await backups.open();
    await second.close();
  });

  it("copies each source under its directory and lists the copies with sizes and checksums", async () => {
    const backups = new Backups({
      dataDir,
      sources: [note("hello")],
      external: [],
      now: () => Date.parse("2025-01-02T03:04:05Z"),
    });
    const run = await backups.open();
    for (const source of run.sources) await run.copy(source);
    const manifest = await run.seal();
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.createTime?.seconds).toBe(BigInt(Date.parse("2025-01-02T03:04:05Z") / 1000));
    expect(manifest.files.map(({ path, size, sha256 }) => ({ path, size, sha256 }))).toEqual([
      {
        path: "notes/deep/note.txt",
        size: 5n,
        sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
      },
    ]);
    expect(await readFile(join(run.dir, "notes", "deep", "note.txt"), "utf8")).toBe("hello");
    await run.close();
    expect(existsSync(join(dataDir, stagingDirectoryName))).toBe(false);
  });

  it("clears a staging directory left behind by a server that stopped mid-backup", async () => {
    await mkdir(join(dataDir, stagingDirectoryName, "events"), { recursive: true });
    await writeFile(join(dataDir, stagingDirectoryName, "events", "stale"), "x");
    const run = await new Backups({ dataDir, sources: [], external: [] }).open();
    expect((await run.seal()).files).toEqual([]);
    await run.close();
  });

  it("is refused while a real engine is configured, naming every engine's own tool", async () => {
    const external = externalEngines({
      kafka: { brokers: ["k:9092"], clientId: "c", topicPrefix: "rp", idempotencyWindowMs: 1000 },
      qdrant: { url: "http://q:6333", timeoutMs: 1000 },
      redis: { url: "redis://r:6379" },
    });
    const backups = new Backups({ dataDir, sources: [], external });
    const refused = (await backups.open().catch((error: unknown) => error)) as Error;
    expect(refused).toBeInstanceOf(PreconditionError);
    expect(refused.message).toContain("Kafka (KAFKA_BROKERS): replicate its topics");
    expect(refused.message).toContain("Qdrant (QDRANT_URL): Qdrant's snapshots API");
    expect(refused.message).toContain("Redis (REDIS_URL): Redis's RDB snapshots or AOF");
    expect(existsSync(join(dataDir, stagingDirectoryName))).toBe(false);
  });
});

describe("fileCopy", () => {
  it("copies a file that exists and nothing when it does not", async () => {
    await writeFile(join(dataDir, "key.json"), "{}");
    await fileCopy(join(dataDir, "key.json")).snapshot(join(dataDir, "out"));
    expect(await readFile(join(dataDir, "out", "key.json"), "utf8")).toBe("{}");
    await fileCopy(join(dataDir, "missing.json")).snapshot(join(dataDir, "out"));
    expect(existsSync(join(dataDir, "out", "missing.json"))).toBe(false);
  });
});
