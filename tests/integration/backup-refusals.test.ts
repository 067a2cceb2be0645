import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.js";
import { PreconditionFailureSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AdminService, type BackupResponse } from "../../gen/ragplane/v1/admin_pb.js";
import { stagingDirectoryName } from "../../server/backup/backups.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

/** Reads a Backup stream to its end: the messages, or the error that ended it. */
async function drain(stream: AsyncIterable<BackupResponse>) {
  const messages: BackupResponse[] = [];
  try {
    for await (const message of stream) messages.push(message);
    return { messages, error: undefined };
  } catch (error) {
    return { messages, error: ConnectError.from(error) };
  }
}

describe("AdminService/Backup on the embedded engines", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  describe.each(transportNames)("over %s", (transport) => {
    it("streams the stages, then the archive with its manifest on the first piece", async () => {
      const admin = createClient(AdminService, server.transport(transport));
      const { messages, error } = await drain(admin.backup({}));
      expect(error).toBeUndefined();
      const stages = messages.filter((message) => message.stage !== "").map((m) => m.stage);
      expect(stages).toEqual([
        "events",
        "vectors",
        "graphs",
        "data keys",
        "key-encryption keys",
        "token denylist",
        "signing key",
      ]);
      const pieces = messages.filter((message) => message.data.length > 0);
      expect(pieces[0]?.manifest?.formatVersion).toBe(1);
      expect(pieces.slice(1).every((piece) => piece.manifest === undefined)).toBe(true);
      const total = pieces.reduce((sum, piece) => sum + piece.data.length, 0);
      expect(pieces.at(-1)?.bytesSent).toBe(BigInt(total));
      expect(pieces.at(-1)?.bytesTotal).toBe(BigInt(total));
      expect(existsSync(join(server.config.dataDir, stagingDirectoryName))).toBe(false);
    });
  });

  it("is refused to an admin of another tenant than the platform's", async () => {
    const key = await server.createKey("acme", ["admin"]);
    const admin = createClient(AdminService, server.transport("grpc-js", { apiKey: key }));
    const { messages, error } = await drain(admin.backup({}));
    expect(messages).toEqual([]);
    expect(error?.code).toBe(Code.PermissionDenied);
    expect(error?.rawMessage).toBe(
      `only admins of the platform tenant "default" may take a backup: it holds every tenant's data`,
    );
  });

  it("is refused to a key without the admin scope", async () => {
    const key = await server.createKey("default", ["vectors:read"]);
    const admin = createClient(AdminService, server.transport("connect", { apiKey: key }));
    const { error } = await drain(admin.backup({}));
    expect(error?.code).toBe(Code.PermissionDenied);
    expect(error?.rawMessage).toContain("admin");
  });
});

describe("AdminService/Backup on real engines", () => {
  let server: TestServer;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ragplane-backup-refusal-"));
    server = await startTestServer({
      NEO4J_URL: "bolt://127.0.0.1:9",
      NEO4J_PASSWORD: "not-used-here",
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it("is FAILED_PRECONDITION naming each real engine's own backup tool", async () => {
    const admin = createClient(AdminService, server.transport("grpc-js"));
    const { messages, error } = await drain(admin.backup({}));
    expect(messages).toEqual([]);
    expect(error?.code).toBe(Code.FailedPrecondition);
    expect(error?.rawMessage).toContain("Neo4j (NEO4J_URL): neo4j-admin database dump and load");
    expect(error?.rawMessage).toContain("docs/operations.md");
    const [failure] = error?.findDetails(PreconditionFailureSchema) ?? [];
    expect(failure?.violations[0]?.type).toBe("STATE");
  });

  it("makes `ragplane backup` fail with the server's reason and write no file", async () => {
    const out = join(work, "backup.tar");
    const lines: string[] = [];
    const code = await runCli(
      ["backup", "--out", out],
      {
        url: `http://127.0.0.1:${server.ports.httpPort}`,
        apiKey: server.adminKey,
        dataDir: work,
      },
      { out: (text) => lines.push(text), err: (text) => lines.push(text) },
    );
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^error: failed_precondition: a backup copies the embedded engines/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
