import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import {
  createRagplaneClients,
  createRetryInterceptor,
  type RagplaneClientOptions,
} from "../../client/index.js";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { type StubConnectServer, startStubConnectServer } from "../support/stub-connect-server.js";

const unavailable = () => new ConnectError("engine down", Code.Unavailable);

/** RESOURCE_EXHAUSTED as ragplane's rate limits send it: RetryInfo and `retry-after`. */
function rateLimited(delayMs: number): ConnectError {
  return new ConnectError(
    "rate limited",
    Code.ResourceExhausted,
    { "retry-after": String(Math.ceil(delayMs / 1000)) },
    [
      {
        desc: RetryInfoSchema,
        value: {
          retryDelay: {
            seconds: BigInt(Math.floor(delayMs / 1000)),
            nanos: (delayMs % 1000) * 1_000_000,
          },
        },
      },
    ],
  );
}

let stub: StubConnectServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function serve(
  answer: (method: string, attempt: number) => ConnectError | undefined,
  httpVersion: "1.1" | "2" = "1.1",
): Promise<StubConnectServer> {
  stub = await startStubConnectServer([VectorsService, EventsService], answer, httpVersion);
  return stub;
}

function clients(server: StubConnectServer, options: Partial<RagplaneClientOptions> = {}) {
  return createRagplaneClients({
    baseUrl: server.baseUrl,
    retry: { initialBackoffMs: 10, maxBackoffMs: 20 },
    ...options,
  });
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => expect.unreachable("the call should fail"),
    (e: unknown) => e,
  );
  return ConnectError.from(error);
}

describe("client retries", () => {
  it("retries an idempotent call that fails twice with UNAVAILABLE, and it succeeds", async () => {
    const server = await serve((_, attempt) => (attempt <= 2 ? unavailable() : undefined));
    const { vectors } = clients(server);
    await expect(vectors.getCollection({ name: "docs" })).resolves.toBeDefined();
    expect(server.attemptsOf("GetCollection")).toHaveLength(3);
  });

  it("retries RESOURCE_EXHAUSTED with RetryInfo after at least its delay", async () => {
    const server = await serve((_, attempt) => (attempt === 1 ? rateLimited(80) : undefined));
    const { vectors } = clients(server);
    await vectors.search({ collection: "docs", vector: [1, 0] });
    const [first, second] = server.attemptsOf("Search");
    expect(server.attemptsOf("Search")).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(79);
  });

  it("does not retry RESOURCE_EXHAUSTED without RetryInfo, even with retry-after", async () => {
    const server = await serve(
      () => new ConnectError("quota used up", Code.ResourceExhausted, { "retry-after": "1" }),
    );
    const { vectors } = clients(server);
    const error = await failure(vectors.upsert({ collection: "docs" }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(server.attemptsOf("Upsert")).toHaveLength(1);
  });

  it("never retries a method without an idempotency level", async () => {
    const server = await serve((method) =>
      method === "CreateCollection" ? unavailable() : rateLimited(10),
    );
    const { vectors } = clients(server);
    expect((await failure(vectors.createCollection({ name: "docs" }))).code).toBe(Code.Unavailable);
    expect(server.attemptsOf("CreateCollection")).toHaveLength(1);
  });

  it("does not retry other codes", async () => {
    const server = await serve(() => new ConnectError("no such collection", Code.NotFound));
    const { vectors } = clients(server);
    expect((await failure(vectors.getCollection({ name: "docs" }))).code).toBe(Code.NotFound);
    expect(server.attemptsOf("GetCollection")).toHaveLength(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const server = await serve(unavailable);
    const { vectors } = clients(server, { retry: { maxAttempts: 3, initialBackoffMs: 5 } });
    expect((await failure(vectors.count({ collection: "docs" }))).code).toBe(Code.Unavailable);
    expect(server.attemptsOf("Count")).toHaveLength(3);
  });

  it("sends every call once when retries are off", async () => {
    const server = await serve(unavailable);
    const { vectors } = clients(server, { retry: false });
    expect((await failure(vectors.count({ collection: "docs" }))).code).toBe(Code.Unavailable);
    expect(server.attemptsOf("Count")).toHaveLength(1);
  });

  it("refuses a retry policy it cannot follow", () => {
    expect(() => createRetryInterceptor({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => createRetryInterceptor({ initialBackoffMs: -1 })).toThrow(RangeError);
  });

  it("does not retry a streaming call", async () => {
    const server = await serve(unavailable);
    const { events } = clients(server);
    const subscribe = async () => {
      for await (const _ of events.subscribe({ topic: "ingest" })) {
        expect.unreachable("the stub sends no event");
      }
    };
    expect((await failure(subscribe())).code).toBe(Code.Unavailable);
    expect(server.attemptsOf("Subscribe")).toHaveLength(1);
  });
});

describe("client deadlines", () => {
  it("stops retrying at the deadline with DEADLINE_EXCEEDED, each attempt asking for what is left", async () => {
    const server = await serve(unavailable);
    const { vectors } = clients(server, {
      retry: { maxAttempts: 100, initialBackoffMs: 40, maxBackoffMs: 40, random: () => 0.999 },
    });
    const error = await failure(vectors.getCollection({ name: "docs" }, { timeoutMs: 300 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    const attempts = server.attemptsOf("GetCollection");
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(8);
    const timeouts = attempts.map((a) => a.timeoutMs!);
    expect(timeouts[0]).toBeLessThanOrEqual(300);
    for (let i = 1; i < timeouts.length; i++) {
      expect(timeouts[i]).toBeLessThan(timeouts[i - 1]!);
    }
  });

  it("fails at once with DEADLINE_EXCEEDED when the retry delay ends past the deadline", async () => {
    const server = await serve(() => rateLimited(5_000));
    const { vectors } = clients(server);
    const error = await failure(
      vectors.get({ collection: "docs", ids: ["a"] }, { timeoutMs: 500 }),
    );
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(error.cause).code).toBe(Code.ResourceExhausted);
    expect(server.attemptsOf("Get")).toHaveLength(1);
  });

  it("gives calls the default deadline of their method class unless they set one", async () => {
    const server = await serve(() => undefined);
    const { vectors, events } = clients(server);
    await vectors.getCollection({ name: "docs" });
    await vectors.createCollection({ name: "docs" });
    await vectors.getCollection({ name: "docs" }, { timeoutMs: 1_500 });
    for await (const _ of events.subscribe({ topic: "ingest" })) break;
    const [read, ownRead] = server.attemptsOf("GetCollection");
    expect(read!.timeoutMs).toBeGreaterThan(9_000);
    expect(read!.timeoutMs).toBeLessThanOrEqual(10_000);
    expect(server.attemptsOf("CreateCollection")[0]!.timeoutMs).toBeGreaterThan(29_000);
    expect(ownRead!.timeoutMs).toBeLessThanOrEqual(1_500);
    expect(server.attemptsOf("Subscribe")[0]!.timeoutMs).toBeUndefined();
  });

  it("applies the client's timeoutMs to calls that end, and not to Subscribe", async () => {
    const server = await serve(() => undefined);
    const { vectors, events } = clients(server, { timeoutMs: 2_000 });
    await vectors.createCollection({ name: "docs" });
    for await (const _ of events.subscribe({ topic: "ingest" })) break;
    expect(server.attemptsOf("CreateCollection")[0]!.timeoutMs).toBeLessThanOrEqual(2_000);
    expect(server.attemptsOf("Subscribe")[0]!.timeoutMs).toBeUndefined();
  });
});

describe("client request ids and credentials", () => {
  it("sends one x-request-id on every attempt of a call, and a new one per call", async () => {
    const server = await serve((_, attempt) => (attempt % 3 !== 0 ? unavailable() : undefined));
    const { vectors } = clients(server);
    await vectors.getCollection({ name: "docs" });
    await vectors.getCollection({ name: "docs" });
    const ids = server.attemptsOf("GetCollection").map((a) => a.header.get("x-request-id"));
    expect(ids).toHaveLength(6);
    expect(ids[0]).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(new Set(ids.slice(0, 3))).toEqual(new Set([ids[0]]));
    expect(new Set(ids.slice(3))).toEqual(new Set([ids[3]]));
    expect(ids[3]).not.toBe(ids[0]);
  });

  it("keeps the caller's own x-request-id", async () => {
    const server = await serve(() => undefined);
    const { vectors } = clients(server);
    await vectors.getCollection({ name: "docs" }, { headers: { "x-request-id": "job-42" } });
    expect(server.attemptsOf("GetCollection")[0]!.header.get("x-request-id")).toBe("job-42");
  });

  it("presents an API key or a token as a bearer credential, and refuses both", async () => {
    const server = await serve(() => undefined);
    await clients(server, { apiKey: "rp_key" }).vectors.count({ collection: "docs" });
    await clients(server, { token: "a.jwt.token" }).vectors.count({ collection: "docs" });
    const sent = server.attemptsOf("Count").map((a) => a.header.get("authorization"));
    expect(sent).toEqual(["Bearer rp_key", "Bearer a.jwt.token"]);
    expect(() => clients(server, { apiKey: "rp_key", token: "a.jwt.token" })).toThrow(
      "set apiKey or token, not both",
    );
  });
});

describe("client protocols", () => {
  it.each([
    ["grpc", "2"],
    ["grpc-web", "1.1"],
  ] as const)(
    "retries over %s with the deadline in grpc-timeout",
    async (protocol, httpVersion) => {
      const server = await serve(
        (_, attempt) => (attempt <= 2 ? unavailable() : undefined),
        httpVersion,
      );
      const { vectors } = clients(server, { protocol });
      await vectors.getCollection({ name: "docs" }, { timeoutMs: 5_000 });
      const attempts = server.attemptsOf("GetCollection");
      expect(attempts).toHaveLength(3);
      expect(attempts.every((a) => a.header.has("grpc-timeout"))).toBe(true);
      expect(attempts[2]!.timeoutMs).toBeLessThanOrEqual(attempts[0]!.timeoutMs!);
    },
  );
});
