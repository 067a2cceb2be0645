import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Output } from "../../cli/output.js";
import { runCli } from "../../cli/run.js";
import { EmbeddedVectorStore } from "../../clients/vectors/embedded/store.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** Runs the CLI, returning its exit code and what it wrote to stderr. */
async function cli(args: string[], url: string, apiKey?: string) {
  const err: string[] = [];
  const output: Output = { out: () => {}, err: (text) => err.push(text) };
  const code = await runCli(
    args,
    { url, dataDir: "./data", ...(apiKey === undefined ? {} : { apiKey }) },
    output,
  );
  return { code, err: err.join("\n") };
}

describe("a backup of the embedded vector store", () => {
  let server: TestServer;
  let work: string;

  beforeAll(async () => {
    server = await startTestServer();
    work = await mkdtemp(join(tmpdir(), "ragplane-alias-backup-"));
  });
  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("holds the aliases, which a store opened on the restored DATA_DIR resolves", async () => {
    const vectors = createClient(VectorsService, server.transport("connect"));
    await vectors.createCollection({ name: "v1", dimension: 2, distance: Distance.DOT });
    await vectors.createCollection({ name: "v2", dimension: 2, distance: Distance.DOT });
    await vectors.upsert({ collection: "v2", points: [{ id: "p", vector: [1, 0] }] });
    await vectors.putAlias({ alias: "live", collection: "v1" });
    await vectors.putAlias({ alias: "live", collection: "v2" });
    await vectors.putAlias({ alias: "old", collection: "v1" });

    const url = `http://127.0.0.1:${server.ports.httpPort}`;
    const archive = join(work, "backup.tar");
    const backup = await cli(["backup", "--out", archive], url, server.adminKey);
    expect(backup.code).toBe(0);
    expect(backup.err).not.toContain("error");
    const restoredDir = join(work, "restored");
    const restore = await cli(["restore", "--from", archive, "--data-dir", restoredDir], url);
    expect(restore).toMatchObject({ code: 0 });

    const store = await EmbeddedVectorStore.open({ dataDir: join(restoredDir, "vectors") });
    try {
      expect(await store.listAliases("default", { limit: 10 })).toEqual({
        aliases: [
          { name: "live", collection: "v2" },
          { name: "old", collection: "v1" },
        ],
      });
      expect(await store.getCollection("default", "live")).toMatchObject({
        name: "v2",
        pointCount: 1,
      });
    } finally {
      await store.close();
    }
  });
});
