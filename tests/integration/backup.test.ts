import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Output } from "../../cli/output.js";
import { runCli } from "../../cli/run.js";
import { createRagplaneClients, type RagplaneClients } from "../../client/index.js";
import { generateApiKey } from "../../security/api-keys/format.js";
import { mintLocalToken } from "../../security/jwt/local-key.js";
import { readBackupArchive } from "../../server/backup/read.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import {
  captureViews,
  LiveWriter,
  readTopic,
  scrollAll,
  vectorOf,
  writeFixture,
} from "./backup.support.js";

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(args: string[], settings: { url?: string; apiKey?: string; dataDir?: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const code = await runCli(
    args,
    {
      url: settings.url ?? "http://127.0.0.1:1",
      dataDir: settings.dataDir ?? "./data",
      ...settings,
    },
    output,
  );
  return { code, out: out.join("\n"), err: err.join("\n") } satisfies CliRun;
}

function clientsOf(server: ServerProcess, credential: { apiKey: string } | { token: string }) {
  return createRagplaneClients({
    baseUrl: `http://127.0.0.1:${server.ports.httpPort}`,
    retry: false,
    ...credential,
  });
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** No rate limits: the fixture and the writer make thousands of calls a second. */
const unlimited = {
  RATE_LIMIT_READ_PER_TENANT: "0",
  RATE_LIMIT_WRITE_PER_TENANT: "0",
  RATE_LIMIT_READ_PER_PRINCIPAL: "0",
  RATE_LIMIT_WRITE_PER_PRINCIPAL: "0",
};

const localToken = (dataDir: string, jti: string) =>
  mintLocalToken({
    dataDir,
    issuer: "ragplane-local",
    audience: "ragplane",
    tenant: "acme",
    scopes: ["vectors:read"],
    subject: "backup-test",
    ttlSeconds: 3600,
    jti,
  });

describe("backup of a serving server, restored into an empty DATA_DIR", () => {
  const adminKey = generateApiKey().key;
  let work: string;
  let sourceDir: string;
  let restoredDir: string;
  let archive: string;
  let source: ServerProcess | undefined;
  let restored: ServerProcess | undefined;
  let acmeKey: string;
  let before: Awaited<ReturnType<typeof captureViews>>;
  let ackedBeforeBackup: ReturnType<LiveWriter["counts"]>;
  let writer: LiveWriter;
  let backup: CliRun;
  let keptToken: string;
  let revokedToken: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ragplane-backup-"));
    sourceDir = join(work, "source");
    restoredDir = join(work, "restored");
    archive = join(work, "backup.tar");
    source = await startServerProcess({
      ...unlimited,
      DATA_DIR: sourceDir,
      BOOTSTRAP_ADMIN_KEY: adminKey,
    });
    const admin = clientsOf(source, { apiKey: adminKey });
    const created = await admin.admin.createApiKey({
      tenant: "acme",
      name: "indexer",
      scopes: [
        "events:read",
        "events:write",
        "vectors:read",
        "vectors:write",
        "graphs:read",
        "graphs:write",
      ],
    });
    acmeKey = created.key;
    const acme = clientsOf(source, { apiKey: acmeKey });
    await writeFixture(acme);
    keptToken = await localToken(sourceDir, "kept");
    revokedToken = await localToken(sourceDir, "revoked");
    await admin.admin.revokeToken({ tenant: "acme", jti: "revoked" });
    before = await captureViews(acme, admin);

    writer = new LiveWriter(acme);
    while (Object.values(writer.counts()).some((count) => count < 5)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    ackedBeforeBackup = writer.counts();
    backup = await cli(["backup", "--out", archive], {
      url: `http://127.0.0.1:${source.ports.httpPort}`,
      apiKey: adminKey,
    });
    await writer.stop();
  }, 120_000);

  afterAll(async () => {
    await source?.stop({ keepDataDir: true });
    await restored?.stop({ keepDataDir: true });
    await rm(work, { recursive: true, force: true });
  });

  it("writes a verified archive while the server keeps serving writes", () => {
    expect(backup.err).not.toContain("error");
    expect(backup.code).toBe(0);
    expect(backup.out).toMatch(/backup\.tar: \d+ files, .* MiB, taken .*; checksums verified/);
    const after = writer.counts();
    expect(after.events).toBeGreaterThan(ackedBeforeBackup.events);
    expect(after.points).toBeGreaterThan(ackedBeforeBackup.points);
    expect(after.nodes).toBeGreaterThan(ackedBeforeBackup.nodes);
    expect(readdirSync(work)).not.toContain("backup.tar.partial");
  });

  it("archives each store's files and nothing else of DATA_DIR", async () => {
    const { files } = await readBackupArchive(archive);
    const paths = files.map((file) => file.path);
    expect(paths.filter((path) => !path.startsWith("vectors/vector-indexes/"))).toEqual([
      "auth/local-signing-key.json",
      "auth/revocations.db",
      "events/events.sqlite",
      "graphs/graphs.sqlite",
      "keys/data-keys.sqlite",
      "keys/kek.json",
      "vectors/vectors.sqlite",
    ]);
    expect(paths).toContain("vectors/vector-indexes/1.bf16.usearch");
  });

  it("leaves no staging copy in DATA_DIR", async () => {
    expect((await readdir(sourceDir)).sort()).toEqual(
      ["auth", "events", "graphs", "keys", "ragplane.pid", "vectors"].sort(),
    );
  });

  it("refuses to restore into the DATA_DIR of a running server, changing nothing", async () => {
    const lock = await readFile(join(sourceDir, "ragplane.pid"), "utf8");
    const run = await cli(["restore", "--from", archive, "--data-dir", sourceDir], {});
    expect(run.code).toBe(1);
    expect(run.err).toContain(`is in use by another ragplane process (pid ${lock.trim()})`);
    expect(await readFile(join(sourceDir, "ragplane.pid"), "utf8")).toBe(lock);
    expect((await readdir(sourceDir)).sort()).toEqual(
      ["auth", "events", "graphs", "keys", "ragplane.pid", "vectors"].sort(),
    );
  });

  it("refuses to restore into a DATA_DIR that holds anything", async () => {
    const busy = join(work, "busy");
    await mkdir(busy);
    await writeFile(join(busy, "notes.txt"), "mine");
    const run = await cli(["restore", "--from", archive, "--data-dir", busy], {});
    expect(run.code).toBe(1);
    expect(run.err).toContain(`DATA_DIR ${busy} is not empty (it holds notes.txt)`);
    expect(await readdir(busy)).toEqual(["notes.txt"]);
  });

  describe("a server started on the restored DATA_DIR", () => {
    let acme: RagplaneClients;
    let admin: RagplaneClients;

    beforeAll(async () => {
      await source?.stop({ keepDataDir: true });
      source = undefined;
      const run = await cli(["restore", "--from", archive, "--data-dir", restoredDir], {});
      expect(run.err).toBe("");
      expect(run.out).toMatch(/^restored \d+ files \(.* MiB\) taken .* into /);
      restored = await startServerProcess({ ...unlimited, DATA_DIR: restoredDir });
      acme = clientsOf(restored, { apiKey: acmeKey });
      admin = clientsOf(restored, { apiKey: adminKey });
    }, 60_000);

    it("answers every RPC about the data written before the backup as the source did", async () => {
      const after = await captureViews(acme, admin);
      for (const [view, value] of Object.entries(before)) expect(after[view], view).toEqual(value);
    });

    it("accepts the old API keys and tokens, and still refuses the revoked token", async () => {
      const kept = clientsOf(restored!, { token: keptToken });
      expect((await kept.vectors.listCollections({})).collections.length).toBe(2);
      const revoked = clientsOf(restored!, { token: revokedToken });
      expect(await codeOf(revoked.vectors.listCollections({}))).toBe(Code.Unauthenticated);
    });

    it("holds every write acknowledged before the backup began, and only writes that were made", async () => {
      const events = (await readTopic(acme, "live")).map((message) => message.event?.id ?? "");
      const points = (await scrollAll(acme, "live")).map((point) => point.id);
      const nodes = [];
      for (const id of writer.acked.nodes.slice(0, ackedBeforeBackup.nodes)) {
        nodes.push((await acme.graphs.getNode({ id })).node?.id);
      }
      expect(events.slice(0, ackedBeforeBackup.events)).toEqual(
        writer.acked.events.slice(0, ackedBeforeBackup.events),
      );
      expect(events.every((id) => writer.attempted.events.has(id))).toBe(true);
      const restoredPoints = new Set(points);
      const lost = writer.acked.points
        .slice(0, ackedBeforeBackup.points)
        .filter((id) => !restoredPoints.has(id));
      expect(lost).toEqual([]);
      expect(points.every((id) => writer.attempted.points.has(id))).toBe(true);
      expect(nodes).toEqual(writer.acked.nodes.slice(0, ackedBeforeBackup.nodes));
    });

    it("searches the collection written during the backup with an index that matches its points", async () => {
      const points = await scrollAll(acme, "live");
      const { collection } = await acme.vectors.getCollection({ name: "live" });
      expect(Number(collection?.pointCount)).toBe(points.length);
      for (const point of points.slice(-5)) {
        const i = Number(point.id.slice("live-".length));
        const { hits } = await acme.vectors.search({
          collection: "live",
          vector: vectorOf(100_000 + i),
          limit: 1,
        });
        expect(hits[0]?.id).toBe(point.id);
      }
    });
  });
});
