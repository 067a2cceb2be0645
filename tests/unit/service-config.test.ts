import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { credentials, status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { policyOf } from "../../interceptors/policy.js";
import {
  buildServiceConfig,
  formatServiceConfig,
  type MethodConfig,
  readDescriptorSet,
  type ServiceConfig,
  servicesOf,
} from "../../scripts/service-config/build.js";
import { loadConfig } from "../../server/config.js";
import { createGrpcJsTransport } from "../support/grpc-js-transport.js";
import { type StubGrpcServer, startStubGrpcServer } from "../support/stub-grpc-server.js";

const configPath = "gen/service-config.json";
const written = readFileSync(configPath, "utf8");
const config = JSON.parse(written) as ServiceConfig;
const methods: DescMethod[] = servicesOf(
  readDescriptorSet("gen/ragplane.binpb"),
  "ragplane.v1",
).flatMap((service) => service.methods);

/** The one entry of `config` that names the method. */
function entryOf(method: DescMethod): MethodConfig {
  const entries = config.methodConfig.filter((entry) =>
    entry.name.some((n) => n.service === method.parent.typeName && n.method === method.name),
  );
  expect(entries, method.name).toHaveLength(1);
  return entries[0]!;
}

function stubError(code: status): { code: status } {
  return { code };
}

let stub: StubGrpcServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe("gen/service-config.json", () => {
  it("is what the generator writes from gen/ragplane.binpb now", () => {
    expect(
      formatServiceConfig(
        buildServiceConfig(servicesOf(readDescriptorSet("gen/ragplane.binpb"), "ragplane.v1")),
      ),
    ).toBe(written);
    expect(written.endsWith("}\n")).toBe(true);
  });

  it("gives a retry policy on UNAVAILABLE to exactly the NO_SIDE_EFFECTS and IDEMPOTENT methods", () => {
    expect(methods.length).toBeGreaterThan(25);
    const retryable = [
      MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
      MethodOptions_IdempotencyLevel.IDEMPOTENT,
    ];
    for (const method of methods) {
      const { retryPolicy } = entryOf(method);
      if (retryable.includes(method.idempotency)) {
        expect(retryPolicy, method.name).toMatchObject({
          maxAttempts: 5,
          retryableStatusCodes: ["UNAVAILABLE"],
        });
      } else {
        expect(retryPolicy, method.name).toBeUndefined();
      }
    }
    const named = config.methodConfig.flatMap((entry) => entry.name);
    expect(named).toHaveLength(methods.length);
    expect(entryOf(VectorsService.method.createCollection).retryPolicy).toBeUndefined();
    expect(entryOf(EventsService.method.publish).retryPolicy).toBeDefined();
  });

  it("times out each method as the server does by default, and server streams not at all", () => {
    const { deadlines } = loadConfig({});
    for (const method of methods) {
      const defaultMs = deadlines[policyOf(method).budget].defaultMs;
      const expected = defaultMs === undefined ? undefined : `${defaultMs / 1000}s`;
      expect(entryOf(method).timeout, method.name).toBe(expected);
    }
    expect(entryOf(EventsService.method.subscribe).timeout).toBeUndefined();
    expect(entryOf(VectorsService.method.getCollection).timeout).toBe("10s");
    expect(entryOf(VectorsService.method.upsert).timeout).toBe("30s");
  });
});

describe("a grpc-js channel configured with gen/service-config.json", () => {
  function vectorsClient(server: StubGrpcServer) {
    const transport = createGrpcJsTransport(server.address, credentials.createInsecure(), {
      "grpc.service_config": written,
    });
    return { client: createClient(VectorsService, transport), close: () => transport.close() };
  }

  it("retries an idempotent call that fails with UNAVAILABLE until it succeeds", async () => {
    stub = await startStubGrpcServer(VectorsService, (_, attempt) =>
      attempt <= 2 ? stubError(status.UNAVAILABLE) : undefined,
    );
    const { client, close } = vectorsClient(stub);
    await expect(client.getCollection({ name: "docs" })).resolves.toBeDefined();
    close();
    expect(stub.attempts.get("GetCollection")).toBe(3);
    const deadline = stub.deadlines.get("GetCollection")!;
    expect(deadline).toBeGreaterThan(5_000);
    expect(deadline).toBeLessThanOrEqual(10_000);
  });

  it("sends a call of a method without an idempotency level once", async () => {
    stub = await startStubGrpcServer(VectorsService, () => stubError(status.UNAVAILABLE));
    const { client, close } = vectorsClient(stub);
    const error = await client.createCollection({ name: "docs" }).catch((e: unknown) => e);
    close();
    expect(ConnectError.from(error).code).toBe(Code.Unavailable);
    expect(stub.attempts.get("CreateCollection")).toBe(1);
    expect(stub.deadlines.get("CreateCollection")).toBeGreaterThan(25_000);
  });

  it("does not retry RESOURCE_EXHAUSTED, which it cannot tell a retry delay in", async () => {
    stub = await startStubGrpcServer(VectorsService, () => stubError(status.RESOURCE_EXHAUSTED));
    const { client, close } = vectorsClient(stub);
    const error = await client.getCollection({ name: "docs" }).catch((e: unknown) => e);
    close();
    expect(ConnectError.from(error).code).toBe(Code.ResourceExhausted);
    expect(stub.attempts.get("GetCollection")).toBe(1);
  });

  it("gives Subscribe no deadline", async () => {
    stub = await startStubGrpcServer(EventsService, () => undefined);
    const transport = createGrpcJsTransport(stub.address, credentials.createInsecure(), {
      "grpc.service_config": written,
    });
    const events = createClient(EventsService, transport);
    for await (const _ of events.subscribe({ topic: "ingest" })) {
      expect.unreachable("the stub ends the stream at once");
    }
    transport.close();
    expect(stub.deadlines.get("Subscribe")).toBe(Infinity);
  });
});

const grpcio = ((): boolean => {
  try {
    execFileSync("python3", ["-c", "import grpc"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("a Python grpcio channel configured with gen/service-config.json", () => {
  it.skipIf(!grpcio)(
    grpcio
      ? "retries GetCollection on UNAVAILABLE and sends CreateCollection once"
      : "skipped: python3 cannot import grpc (python3 -m pip install grpcio)",
    async () => {
      stub = await startStubGrpcServer(VectorsService, (method, attempt) =>
        method === "CreateCollection" || attempt <= 2 ? stubError(status.UNAVAILABLE) : undefined,
      );
      const { stdout } = await promisify(execFile)("python3", [
        "tests/clients/grpcio_service_config.py",
        stub.address,
        configPath,
        "ragplane.v1.VectorsService/GetCollection",
        "ragplane.v1.VectorsService/CreateCollection",
      ]);
      expect(JSON.parse(stdout)).toEqual({
        "ragplane.v1.VectorsService/GetCollection": "OK",
        "ragplane.v1.VectorsService/CreateCollection": "UNAVAILABLE",
      });
      expect(stub.attempts.get("GetCollection")).toBe(3);
      expect(stub.attempts.get("CreateCollection")).toBe(1);
    },
  );
});
