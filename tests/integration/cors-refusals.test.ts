import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oncePerOrigin } from "../../server/transports/cors.js";
import { startTestServer, type TestServer } from "../support/server.js";

const lines: Record<string, unknown>[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: "info" }, undefined, { logDestination: capture });
});
afterAll(() => server?.close());

const preflight = (origin: string) =>
  fetch(`http://127.0.0.1:${server.ports.httpPort}/ragplane.v1.VectorsService/ListCollections`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST" },
  });

describe("browsers refused without CORS_ORIGINS", () => {
  it("answers their preflight 403 and says once in the log how to allow the origin", async () => {
    for (let i = 0; i < 3; i++) expect((await preflight("http://localhost:5173")).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = lines.filter((line) => String(line.msg).includes("CORS_ORIGINS"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 40, origin: "http://localhost:5173" });
  });

  it("reports each origin at most once a period", () => {
    const seen: string[] = [];
    let now = 0;
    const report = oncePerOrigin(
      (origin) => seen.push(origin),
      1_000,
      () => now,
    );
    report("a");
    report("a");
    report("b");
    now = 1_000;
    report("a");
    expect(seen).toEqual(["a", "b", "a"]);
  });
});
