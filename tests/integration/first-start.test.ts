import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess } from "../support/server-process.js";

const root = resolve(import.meta.dirname, "../..");

/** Runs `server/main.ts` until it has printed its admin key, exited, or `ms` passed. */
function run(
  env: Record<string, string>,
  ms = 30_000,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  return new Promise((resolveRun) => {
    const child = spawn(join(root, "node_modules/.bin/tsx"), ["server/main.ts"], {
      cwd: root,
      env: { ...process.env, HOST: "127.0.0.1", METRICS_PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const done = () => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGTERM");
    };
    const timer = setTimeout(done, ms);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (/rp_[A-Za-z0-9]+_[A-Za-z0-9]+/.test(stdout)) done();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolveRun({ stdout, stderr, exitCode });
    });
  });
}

describe("the first start of a development server", () => {
  let dataDir: string;
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ragplane-first-start-"));
    taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    takenPort = (taken.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((done) => taken.close(() => done()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("says in one line which port is taken, stores no admin key, and the next start shows one", async () => {
    const failed = await run({ DATA_DIR: dataDir, GRPC_PORT: "0", HTTP_PORT: String(takenPort) });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).not.toMatch(/rp_[A-Za-z0-9]+_/);
    expect(failed.stderr.trim()).toBe(
      `ragplane: HTTP_PORT=${takenPort} on 127.0.0.1 is already in use: stop what holds it, or choose another port`,
    );

    const next = await run({ DATA_DIR: dataDir, GRPC_PORT: "0", HTTP_PORT: "0" });
    expect(next.stdout).toContain("ragplane created an admin API key");
    expect(next.stdout).toMatch(/rp_[A-Za-z0-9]+_[A-Za-z0-9]+/);
  }, 60_000);

  it("refuses in one line to start a second server on a DATA_DIR another one serves", async () => {
    const first = await startServerProcess({ DATA_DIR: dataDir });
    try {
      const second = await run({ DATA_DIR: dataDir, GRPC_PORT: "0", HTTP_PORT: "0" });
      expect(second.exitCode).toBe(2);
      expect(second.stderr.trim()).toMatch(
        new RegExp(
          `^ragplane: DATA_DIR ${dataDir} is in use by another ragplane process \\(pid \\d+\\); stop it, or choose another DATA_DIR$`,
        ),
      );
    } finally {
      await first.stop({ keepDataDir: true });
    }
  }, 60_000);
});
