import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const generate = join(root, "scripts/clients/generate.sh");
const clients = join(root, "tests/clients");
const goBin = join(process.env.HOME ?? "", "go/bin");

function works(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const hasGo =
  works("go", ["version"]) &&
  works(join(goBin, "protoc-gen-go"), ["--version"]) &&
  works(join(goBin, "protoc-gen-go-grpc"), ["--version"]);
const hasGrpcTools = works("python3", ["-c", "import grpc_tools"]);

let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startTestServer();
  work = mkdtempSync(join(tmpdir(), "ragplane-clients-"));
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const address = () => `127.0.0.1:${server.ports.grpcPort}`;

describe.skipIf(!hasGo)(
  "the Go client from scripts/clients/generate.sh (needs go, protoc-gen-go, protoc-gen-go-grpc)",
  () => {
    it("builds and calls ragplane: creates a collection and lists it", async () => {
      const module = join(work, "go");
      cpSync(join(clients, "go"), module, { recursive: true });
      await run("bash", [generate, "go", join(module, "gen"), "ragplane.test/client/gen"], {
        cwd: root,
      });
      const { stdout } = await run("go", ["run", ".", address(), server.adminKey, "from-go"], {
        cwd: module,
        env: { ...process.env, GOFLAGS: "-mod=mod" },
      });
      expect(stdout.split("\n")).toContain("from-go");
    }, 240_000);
  },
);

describe.skipIf(!hasGrpcTools)(
  "the Python client from scripts/clients/generate.sh (needs grpcio-tools)",
  () => {
    it("imports and calls ragplane: creates a collection and lists it", async () => {
      const generated = join(work, "python");
      await run("bash", [generate, "python", generated], { cwd: root });
      const { stdout } = await run("python3", [
        join(clients, "generated_client.py"),
        generated,
        address(),
        server.adminKey,
        "from-python",
      ]);
      expect(stdout.split("\n")).toContain("from-python");
    }, 60_000);
  },
);
