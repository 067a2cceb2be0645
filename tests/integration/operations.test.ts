import { once } from "node:events";
import { connect } from "node:http2";
import { createRequire } from "node:module";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

const require = createRequire(import.meta.url);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const grpcAddress = () => `127.0.0.1:${server.ports.grpcPort}`;
const httpAddress = () => `127.0.0.1:${server.ports.httpPort}`;
/** Health and reflection are served on both ports (the HTTP port speaks gRPC over h2c). */
const ports = [
  ["the gRPC port", grpcAddress],
  ["the HTTP port", httpAddress],
] as const;
const httpUrl = (path: string) => `http://127.0.0.1:${server.ports.httpPort}${path}`;

describe.each(ports)("gRPC health on %s", (_, address) => {
  it("reports SERVING for the server and each service, NOT_FOUND for unknown ones", async () => {
    const HealthClient = makeGenericClientConstructor(healthService, "Health");
    const client = new HealthClient(
      address(),
      credentials.createInsecure(),
    ) as unknown as Client & {
      check(
        request: { service: string },
        callback: (error: ServiceError | null, response?: { status: string }) => void,
      ): void;
    };
    const check = (name: string) =>
      new Promise<string>((resolve, reject) =>
        client.check({ service: name }, (error, response) =>
          error ? reject(error) : resolve(response?.status ?? ""),
        ),
      );
    try {
      expect(await check("")).toBe("SERVING");
      expect(await check("ragplane.v1.VectorsService")).toBe("SERVING");
      expect(await check("ragplane.v1.EventsService")).toBe("SERVING");
      expect(await check("ragplane.v1.GraphsService")).toBe("SERVING");
      await expect(check("nope.Service")).rejects.toMatchObject({ code: 5 });
    } finally {
      client.close();
    }
  });
});

/** The answer of one reflection request, as proto-loader decodes it (`keepCase`). */
interface ReflectionAnswer {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number };
}

/** Sends one reflection request to `address` and returns the answer. */
async function reflect(
  address: string,
  version: string,
  request: object,
): Promise<ReflectionAnswer> {
  const definition = loadSync(
    require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`),
    { keepCase: true },
  );
  const loaded = loadPackageDefinition(definition) as unknown as {
    grpc: {
      reflection: Record<
        string,
        { ServerReflection: new (address: string, creds: unknown) => Client }
      >;
    };
  };
  const Reflection = loaded.grpc.reflection[version]?.ServerReflection;
  if (Reflection === undefined) throw new Error("reflection proto did not load");
  const client = new Reflection(address, credentials.createInsecure()) as Client & {
    ServerReflectionInfo(): NodeJS.EventEmitter & { write(message: object): boolean; end(): void };
  };
  try {
    const stream = client.ServerReflectionInfo();
    const answer = new Promise<ReflectionAnswer>((resolve, reject) => {
      stream.on("data", resolve);
      stream.on("error", reject);
    });
    stream.write(request);
    const answered = await answer;
    stream.end();
    return answered;
  } finally {
    client.close();
  }
}

describe.each(ports)("gRPC reflection on %s", (_, address) => {
  it.each(["v1", "v1alpha"])("lists every service through reflection %s", async (version) => {
    const answer = await reflect(address(), version, { list_services: "" });
    expect(answer.list_services_response?.service.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "ragplane.v1.EventsService",
        "ragplane.v1.VectorsService",
        "ragplane.v1.GraphsService",
        "grpc.health.v1.Health",
      ]),
    );
  });

  it("describes a service with its file and every import, and answers NOT_FOUND for an unknown symbol", async () => {
    const answer = await reflect(address(), "v1", {
      file_containing_symbol: "ragplane.v1.VectorsService.Search",
    });
    const files = (answer.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
    expect(files[0]?.name).toBe("ragplane/v1/vectors.proto");
    expect(files[0]?.service.map((service) => service.name)).toContain("VectorsService");
    expect(files.map((file) => file.name)).toContain("google/protobuf/struct.proto");
    const unknown = await reflect(address(), "v1", { file_containing_symbol: "no.Such" });
    expect(unknown.error_response?.error_code).toBe(Code.NotFound);
  });
});

describe.each(ports)("gRPC health Watch on %s", (_, address) => {
  it("sends the current status at once", async () => {
    const client = new Client(address(), credentials.createInsecure());
    try {
      const stream = client.makeServerStreamRequest<Buffer, Buffer>(
        "/grpc.health.v1.Health/Watch",
        (request) => request,
        (bytes) => bytes,
        Buffer.alloc(0),
      );
      const [first] = (await once(stream, "data")) as [Buffer];
      expect(fromBinary(HealthCheckResponseSchema, first).status).toBe(
        HealthCheckResponse_ServingStatus.SERVING,
      );
      stream.on("error", () => {});
      stream.cancel();
    } finally {
      client.close();
    }
  });
});

describe("HTTP probes", () => {
  it("answers /healthz and /readyz with JSON", async () => {
    const health = await fetch(httpUrl("/healthz"));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(httpUrl("/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
    const missing = await fetch(httpUrl("/nope"));
    expect(missing.status).toBe(404);
  });

  it("answers a gRPC call of an unknown method over h2c with grpc-status UNIMPLEMENTED, not HTTP 404", async () => {
    const session = connect(httpUrl("/"));
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/ragplane.v1.NoSuchService/Nope",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
      const [headers] = (await once(stream, "response")) as [Record<string, string>];
      expect(headers[":status"]).toBe(200);
      expect(headers["grpc-status"]).toBe("12");
      stream.resume();
    } finally {
      session.close();
    }
    const connectCall = await fetch(httpUrl("/ragplane.v1.NoSuchService/Nope"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(connectCall.status).toBe(404);
    expect(await connectCall.json()).toMatchObject({ code: "unimplemented" });
  });
});

/** Metadata presenting the test server's admin key. */
function authorized(): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${server.adminKey}`);
  return metadata;
}

describe("bad input never yields INTERNAL or a crash", () => {
  const rawUnary = (path: string, bytes: Buffer) => {
    const client = new Client(grpcAddress(), credentials.createInsecure(), {
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
    return new Promise<ServiceError | null>((resolve) => {
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        authorized(),
        {},
        (error) => {
          client.close();
          resolve(error);
        },
      );
    });
  };

  it("answers garbage bytes on gRPC with INVALID_ARGUMENT", async () => {
    const error = await rawUnary(
      "/ragplane.v1.VectorsService/Search",
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
    );
    expect(error?.code).toBe(Code.InvalidArgument);
  });

  it("answers an oversized gRPC message with RESOURCE_EXHAUSTED", async () => {
    const error = await rawUnary(
      "/ragplane.v1.VectorsService/Search",
      Buffer.alloc(5 * 1024 * 1024, 0),
    );
    expect(error?.code).toBe(Code.ResourceExhausted);
  });

  it("answers an unknown gRPC method with UNIMPLEMENTED", async () => {
    const error = await rawUnary("/ragplane.v1.VectorsService/Nope", Buffer.alloc(0));
    expect(error?.code).toBe(Code.Unimplemented);
  });

  it("answers malformed and wrongly typed Connect JSON with invalid_argument", async () => {
    const post = (body: string) =>
      fetch(httpUrl("/ragplane.v1.VectorsService/Search"), {
        method: "POST",
        headers: { "content-type": "application/json", "connect-protocol-version": "1" },
        body,
      });
    for (const body of ["{not json", '{"collection": 42}', '{"vector": "abc"}', '{"limit": -1}']) {
      const response = await post(body);
      const error = (await response.json()) as { code: string };
      expect(response.status, body).toBe(400);
      expect(error.code, body).toBe("invalid_argument");
    }
  });

  it("answers an oversized Connect body with resource_exhausted", async () => {
    const response = await fetch(httpUrl("/ragplane.v1.VectorsService/Search"), {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
      body: Buffer.alloc(5 * 1024 * 1024, 0),
    });
    const error = (await response.json()) as { code: string };
    expect(error.code).toBe("resource_exhausted");
  });

  it("answers bytes that do not decode with INVALID_ARGUMENT on every protocol of the HTTP port", async () => {
    const garbage = Buffer.from([0xff, 0xff]);
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, garbage.length]), garbage]);
    const post = async (path: string, contentType: string, body: Buffer) => {
      const headers: Record<string, string> = {
        "content-type": contentType,
        authorization: `Bearer ${server.adminKey}`,
      };
      if (contentType.startsWith("application/grpc-web")) headers["x-grpc-web"] = "1";
      else headers["connect-protocol-version"] = "1";
      const response = await fetch(httpUrl(path), { method: "POST", headers, body });
      return {
        status: response.status,
        text: Buffer.from(await response.arrayBuffer()).toString("latin1"),
      };
    };
    const connect = await post("/ragplane.v1.VectorsService/Search", "application/proto", garbage);
    expect(connect.status).toBe(400);
    expect(JSON.parse(connect.text)).toMatchObject({ code: "invalid_argument" });
    const stream = await post(
      "/ragplane.v1.VectorsService/UpsertStream",
      "application/connect+proto",
      framed,
    );
    expect(stream.text).toContain('"code":"invalid_argument"');
    const grpcWeb = await post(
      "/ragplane.v1.VectorsService/Search",
      "application/grpc-web+proto",
      framed,
    );
    expect(grpcWeb.text).toMatch(/grpc-status: ?3\r\n/);
    expect(await grpcStatusOverH2c("/ragplane.v1.VectorsService/Search", framed)).toBe("3");
    const compressedWithoutEncoding = Buffer.from([1, 0, 0, 0, 0]);
    const compressed = await post(
      "/ragplane.v1.VectorsService/ListCollections",
      "application/grpc-web+proto",
      compressedWithoutEncoding,
    );
    expect(compressed.text).toMatch(/grpc-status: ?3\r\n/);
    const get = await fetch(
      httpUrl(
        "/ragplane.v1.VectorsService/ListCollections?connect=v1&encoding=proto&base64=1&message=%25%25",
      ),
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    );
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({ code: "invalid_argument" });
    const valid = await fetch(
      httpUrl(
        "/ragplane.v1.VectorsService/ListCollections?connect=v1&encoding=json&message=%7B%7D",
      ),
      { headers: { authorization: `Bearer ${server.adminKey}` } },
    );
    expect(valid.status).toBe(200);
  });

  it("keeps serving valid calls after all of that", async () => {
    const error = await rawUnary("/ragplane.v1.VectorsService/ListCollections", Buffer.alloc(0));
    expect(error).toBeNull();
  });
});

/** The `grpc-status` trailer of one gRPC call over h2c on the HTTP port. */
async function grpcStatusOverH2c(path: string, body: Buffer): Promise<string | undefined> {
  const session = connect(`http://127.0.0.1:${server.ports.httpPort}`);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: `Bearer ${server.adminKey}`,
    });
    stream.end(body);
    stream.resume();
    const [trailers] = (await once(stream, "trailers")) as [Record<string, string>];
    return trailers["grpc-status"];
  } finally {
    session.close();
  }
}
