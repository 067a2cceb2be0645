import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.js";
import {
  complianceClients,
  expectedReceipt,
  expectSubjectGone,
  seedSubjects,
  subject,
} from "../support/compliance.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let acmeKey: string;

beforeAll(async () => {
  server = await startTestServer({ ENCRYPTION_KEY_CACHE_MS: "200" });
  acmeKey = await server.createKey("acme");
  await seedSubjects(complianceClients(server.transport("grpc-js", { apiKey: acmeKey })));
});

afterAll(async () => {
  await server?.close();
});

async function cli(args: readonly string[], apiKey: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { url: `http://127.0.0.1:${server.ports.httpPort}`, apiKey, dataDir: server.config.dataDir },
    { out: (text) => out.push(text), err: (text) => err.push(text) },
  );
  return { code, out, err };
}

describe("ragplane subject and keys rewrap", () => {
  it("exports a subject as one proto3 JSON object per line, the summary last", async () => {
    const { code, out, err } = await cli(["subject", "export", subject], acmeKey);
    expect(code).toBe(0);
    const lines = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => "event" in line)).toHaveLength(2);
    expect(lines.filter((line) => "point" in line)).toHaveLength(3);
    expect(lines.at(-1)).toMatchObject({ summary: { events: "2", points: "3", nodes: "1" } });
    expect(JSON.stringify(lines)).toContain("ADA-PAYLOAD-SECRET");
    expect(err.join("\n")).toContain("exported 2 events, 3 points, 1 nodes");
  });

  it("erases a subject, reporting each step and printing the receipt", async () => {
    const { code, out, err } = await cli(["subject", "erase", subject, "--json"], acmeKey);
    expect(code).toBe(0);
    expect(err.join("\n")).toMatch(/: vectors[\s\S]*: done/);
    const job = JSON.parse(out.join("\n")) as { state: string; removed: unknown[] };
    expect(job.state).toBe("ERASURE_STATE_DONE");
    const embedded = { vectors: "embedded", graphs: "embedded", events: "embedded" };
    expect(job.removed).toEqual(
      expectedReceipt({ ...embedded, keys: "embedded" }).map((line) => ({
        ...line,
        count: line.count.toString(),
      })),
    );
    await expectSubjectGone(complianceClients(server.transport("grpc-js", { apiKey: acmeKey })));
  });

  it("needs the subject, and re-wraps data keys for a platform admin only", async () => {
    expect((await cli(["subject", "erase"], acmeKey)).code).toBe(2);
    const refused = await cli(["keys", "rewrap"], acmeKey);
    expect(refused.code).toBe(1);
    expect(refused.err.join("\n")).toMatch(/permission/i);
    const { code, out } = await cli(["keys", "rewrap", "--json"], server.adminKey);
    expect(code).toBe(0);
    const result = JSON.parse(out.join("\n")) as { remainingKeyIds: string[]; checked: string };
    expect(result.remainingKeyIds).toEqual([]);
    expect(Number(result.checked)).toBeGreaterThan(0);
  });
});
