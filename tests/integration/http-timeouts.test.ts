import { rm } from "node:fs/promises";
import { connect as http2Connect } from "node:http2";
import { connect, type Socket } from "node:net";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { generateTestCerts, type TestCerts } from "../support/certs.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    HTTP_HEADERS_TIMEOUT_MS: "400",
    HTTP_IDLE_TIMEOUT_MS: "400",
    HTTP_MAX_CONNECTIONS_PER_PEER: "4",
  });
});
afterAll(() => server?.close());

/** A raw connection to the HTTP port; the server ending it (even with a reset) is expected. */
const open = (): Promise<Socket> =>
  new Promise((resolve) => {
    const socket = connect(server.ports.httpPort, "127.0.0.1", () => resolve(socket));
    socket.on("error", () => undefined);
  });

/** Resolves with the ms until the socket closed, or "open" after `limitMs`. */
function closedWithin(socket: Socket, limitMs: number): Promise<number | "open"> {
  const since = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("open"), limitMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - since);
    });
  });
}

/** Subscribes over `transport`, stays quiet for 1 s (past the idle timeout), then gets an event. */
async function expectQuietStreamToLast(
  target: TestServer,
  transport: "connect" | "grpc-h2c",
): Promise<void> {
  const events = createClient(EventsService, target.transport(transport));
  const topic = `quiet-${transport}`;
  await events.createTopic({ name: topic, partitions: 1 });
  const abort = new AbortController();
  const first = events
    .subscribe({ topic }, { signal: abort.signal })
    [Symbol.asyncIterator]()
    .next();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await createClient(EventsService, target.transport("grpc-js")).publish({
    topic,
    events: [{ id: "late" }],
  });
  expect((await first).value?.event?.id).toBe("late");
  abort.abort();
}

describe("the HTTP port's connection timeouts", () => {
  it("closes a peer's connections past its cap as they open, and frees a slot when one closes", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, open));
    const extra = await open();
    const closed = await closedWithin(extra, 200);
    expect(closed).not.toBe("open");
    expect(closed as number).toBeLessThan(200);
    const first = held[0];
    if (first === undefined) throw new Error("no connection");
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await open();
    const response = new Promise<string>((resolve) =>
      again.once("data", (chunk) => resolve(String(chunk))),
    );
    again.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(await response).toMatch(/^HTTP\/1\.1 200/);
    for (const socket of [...held, again]) socket.destroy();
  });

  it("closes a connection that sends nothing", async () => {
    const socket = open();
    expect(await closedWithin(await socket, 3_000)).not.toBe("open");
  });

  it("closes a connection that trickles header lines, however often", async () => {
    const socket = await open();
    socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n");
    const trickle = setInterval(() => socket.writable && socket.write("x-slow: 1\r\n"), 100);
    const closed = await closedWithin(socket, 3_000);
    clearInterval(trickle);
    expect(closed).not.toBe("open");
  });

  it("closes an HTTP/1.1 keep-alive connection idle after its request", async () => {
    const socket = await open();
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("utf8");
    });
    socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\n\r\n");
    expect(await closedWithin(socket, 3_000)).not.toBe("open");
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });

  it("closes an h2c session that opens no stream", async () => {
    const session = http2Connect(`http://127.0.0.1:${server.ports.httpPort}`);
    session.on("error", () => undefined);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3_000);
      session.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });

  it.each(["connect", "grpc-h2c"] as const)(
    "keeps a quiet Subscribe stream's connection open past the idle timeout (%s)",
    (transport) => expectQuietStreamToLast(server, transport),
  );
});

describe("the same timeouts with TLS on the HTTP port", () => {
  let certs: TestCerts;
  let tlsServer: TestServer;
  beforeAll(async () => {
    certs = await generateTestCerts();
    tlsServer = await startTestServer(
      {
        TLS_CERT_FILE: certs.server.certFile,
        TLS_KEY_FILE: certs.server.keyFile,
        HTTP_HEADERS_TIMEOUT_MS: "400",
        HTTP_IDLE_TIMEOUT_MS: "400",
      },
      { ca: certs.ca.cert },
    );
  });
  afterAll(async () => {
    await tlsServer?.close();
    if (certs) await rm(certs.dir, { recursive: true, force: true });
  });

  it("closes a connection that never starts TLS", async () => {
    const socket = await new Promise<Socket>((resolve) => {
      const opened = connect(tlsServer.ports.httpPort, "127.0.0.1", () => resolve(opened));
      opened.on("error", () => undefined);
    });
    expect(await closedWithin(socket, 3_000)).not.toBe("open");
  });

  it.each(["connect", "grpc-h2c"] as const)(
    "keeps a quiet Subscribe stream open past the idle timeout (%s over TLS)",
    (transport) => expectQuietStreamToLast(tlsServer, transport),
  );
});
