import { connect as connectH2 } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { MethodEntry } from "../../server/dispatch.js";
import { createConnectHandler } from "../../server/transports/connect.js";
import { createHttpServer, type HttpServer } from "../../server/transports/http.js";

const app = "https://app.example.com";
const list = VectorsService.method.listCollections;
const get = VectorsService.method.getCollection;

const entries: MethodEntry[] = [
  { method: list, invoke: async () => ({ stream: false, message: create(list.output) }) },
  {
    method: get,
    invoke: async () => {
      throw new ConnectError("slow down", Code.ResourceExhausted, { "retry-after": "2" });
    },
  },
];

let http: HttpServer;
let baseUrl: string;
const shutdown = new AbortController();
beforeAll(async () => {
  http = createHttpServer(
    createConnectHandler({
      entries,
      fallback: (_request, response) => {
        response.writeHead(404);
        response.end();
      },
      shutdownSignal: shutdown.signal,
    }),
    { corsOrigins: [app] },
  );
  await new Promise<void>((resolve) => http.server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
});
afterAll(() => http.close(0, () => shutdown.abort()));

const path = (method: typeof list | typeof get) => `/${VectorsService.typeName}/${method.name}`;

function connectPost(method: typeof list | typeof get, origin: string) {
  return fetch(`${baseUrl}${path(method)}`, {
    method: "POST",
    headers: { origin, "content-type": "application/json", "connect-protocol-version": "1" },
    body: "{}",
  });
}

describe("CORS on the HTTP port", () => {
  it("answers a browser preflight from an allowed origin", async () => {
    const response = await fetch(`${baseUrl}${path(list)}`, {
      method: "OPTIONS",
      headers: {
        origin: app,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,connect-protocol-version,content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("refuses a preflight from another origin", async () => {
    const response = await fetch(`${baseUrl}${path(list)}`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets an allowed origin read a Connect response", async () => {
    const response = await connectPost(list, app);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed origin read an error and its retry-after", async () => {
    const response = await connectPost(get, app);
    expect(response.status).toBe(429);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("access-control-expose-headers")).toContain("retry-after");
  });

  it("sends no CORS headers to another origin", async () => {
    const response = await connectPost(list, "https://evil.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("adds the headers on h2c responses too", async () => {
    const session = connectH2(baseUrl);
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": path(list),
          origin: app,
          "content-type": "application/json",
        });
        stream.on("response", (received) => {
          stream.resume();
          resolve(received);
        });
        stream.on("error", reject);
        stream.end("{}");
      });
      expect(headers[":status"]).toBe(200);
      expect(headers["access-control-allow-origin"]).toBe(app);
    } finally {
      session.close();
    }
  });
});
