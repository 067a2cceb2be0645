import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, routeGrpcLogs } from "../../server/logger.js";
import { captureLog } from "../support/log-capture.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
const { destination: capture, lines } = captureLog();

beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: "info" }, undefined, { logDestination: capture });
  routeGrpcLogs(createLogger("info", capture));
});
afterAll(() => server?.close());

/** A raw gRPC call to the grpc-js port with the given `authorization` header value. */
function callWithAuthorization(authorization: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${server.ports.grpcPort}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": "/ragplane.v1.VectorsService/ListCollections",
      "content-type": "application/grpc",
      te: "trailers",
      authorization,
    });
    let status: string | undefined;
    stream.on("response", (headers) => {
      status ??= headers["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (trailers) => {
      status = trailers["grpc-status"] as string | undefined;
    });
    stream.on("close", () => {
      session.close();
      resolve(status);
    });
    stream.resume();
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe("log hygiene", () => {
  it("routes grpc-js's own lines through the logger and never writes a presented secret", async () => {
    const secret = server.adminKey.split("_").at(-1) ?? "";
    const status = await callWithAuthorization(`Bearer ${server.adminKey}\u00a0`);
    expect(status).toBe("16");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fromGrpc = lines.filter((line) => line.includes('"component":"grpc-js"'));
    expect(fromGrpc.join("\n")).toContain("Failed to add metadata entry authorization");
    expect(fromGrpc.join("\n")).toContain("[redacted]");
    for (const line of lines) {
      expect(line).not.toContain(secret.slice(0, 6));
    }
  });
});
