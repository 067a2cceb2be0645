import { rm } from "node:fs/promises";
import { connect } from "node:net";
import {
  Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCerts, mtlsServerEnv, type TestCerts } from "../support/certs.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** A grpc.health.v1 client over plaintext, without any credential. */
type HealthClient = Client & {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
  watch(request: { service: string }): NodeJS.EventEmitter & { cancel(): void };
};

const HealthClient = makeGenericClientConstructor(healthService, "Health");
const clients: Client[] = [];

function healthClient(port: number): HealthClient {
  const client = new HealthClient(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as HealthClient;
  clients.push(client);
  return client;
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service }, (error, response) =>
      error ? reject(error) : resolve(response?.status ?? ""),
    ),
  );
}

/** Calls `path` with an empty message and the admin key; resolves with the status code. */
function callCode(port: number, path: string, apiKey: string): Promise<number> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  clients.push(client);
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${apiKey}`);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      (request: Buffer) => request,
      (bytes: Buffer) => bytes,
      Buffer.alloc(0),
      metadata,
      (error) => resolve(error?.code ?? status.OK),
    ),
  );
}

function probePortOf(server: TestServer): number {
  const port = server.ports.healthProbePort;
  if (port === undefined) throw new Error("the server opened no probe port");
  return port;
}

afterAll(() => {
  for (const client of clients) client.close();
});

describe("the probe port beside a gRPC port that requires client certificates", () => {
  let certs: TestCerts;
  let server: TestServer;

  beforeAll(async () => {
    certs = await generateTestCerts();
    server = await startTestServer(
      {
        ...mtlsServerEnv(certs),
        HEALTH_PROBE_PORT: "0",
      },
      { ca: certs.ca.cert, identity: certs.spiffeClient },
    );
  });
  afterAll(async () => {
    await server?.close();
    if (certs) await rm(certs.dir, { recursive: true, force: true });
  });

  it("answers grpc.health.v1 Check in plaintext without credentials: readiness, liveness, each service", async () => {
    const probe = healthClient(probePortOf(server));
    expect(await check(probe, "")).toBe("SERVING");
    expect(await check(probe, "liveness")).toBe("SERVING");
    expect(await check(probe, "ragplane.v1.VectorsService")).toBe("SERVING");
    await expect(check(probe, "nope.Service")).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("while the gRPC port refuses the same plaintext check", async () => {
    const grpcPort = healthClient(server.ports.grpcPort);
    await expect(check(grpcPort, "")).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it("serves no other service, whatever the credential: UNIMPLEMENTED", async () => {
    const port = probePortOf(server);
    const paths = [
      "/ragplane.v1.VectorsService/ListCollections",
      "/ragplane.v1.AdminService/ListApiKeys",
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ];
    const codes = await Promise.all(paths.map((path) => callCode(port, path, server.adminKey)));
    expect(codes).toEqual(paths.map(() => status.UNIMPLEMENTED));
  });
});

describe("the probe port at shutdown", () => {
  it("reports NOT_SERVING to a Watch when the server stops, then closes", async () => {
    const server = await startTestServer({ HEALTH_PROBE_PORT: "0" });
    const port = probePortOf(server);
    const stream = healthClient(port).watch({ service: "" });
    const seen: string[] = [];
    const ended = new Promise<void>((resolve) => {
      stream.on("error", () => resolve());
      stream.on("end", () => resolve());
    });
    const first = new Promise<void>((resolve) =>
      stream.on("data", (message: { status: string }) => {
        seen.push(message.status);
        resolve();
      }),
    );
    await first;
    await server.close();
    await ended;
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
    await expect(refusedConnection(port)).resolves.toBe("ECONNREFUSED");
  });

  it("is off unless HEALTH_PROBE_PORT is set", async () => {
    const server = await startTestServer();
    try {
      expect(server.ports.healthProbePort).toBeUndefined();
      expect(server.config.connections.healthProbe).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

/** Connects to `port` on loopback; resolves with the error code of a refused connection. */
function refusedConnection(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      reject(new Error(`port ${port} still accepts connections`));
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "unknown"));
  });
}
