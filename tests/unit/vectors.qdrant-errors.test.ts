import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import {
  QdrantClient,
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../clients/errors.js";
import { QdrantCaller } from "../../clients/vectors/qdrant/call.js";
import { isRetryable, toDomainError } from "../../clients/vectors/qdrant/errors.js";
import { QdrantHttp } from "../../clients/vectors/qdrant/http.js";
import { qdrantPolicy } from "../../clients/vectors/qdrant/policy.js";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/** The shape of the client's ApiError (@qdrant/openapi-typescript-fetch): an Error with status and body. */
function httpError(status: number, error?: string): Error {
  const data = error === undefined ? undefined : { status: { error }, time: 0.001 };
  return Object.assign(new Error("HTTP error"), { status, statusText: "", data });
}

function fetchFailed(cause: unknown): TypeError {
  return new TypeError("fetch failed", { cause });
}

const coded = (code: string) => Object.assign(new Error(code), { code });

describe("toDomainError: HTTP answers", () => {
  it("maps 404 on a collection to NotFoundError naming the logical collection", () => {
    const error = toDomainError(
      httpError(404, "Not found: Collection `rp_x_docs` doesn't exist!"),
      {
        collection: "docs",
      },
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ kind: "collection", id: "docs" });
  });

  it("maps 409 and Qdrant's 400 'already exists' to AlreadyExistsError", () => {
    expect(toDomainError(httpError(409, "conflict"), { collection: "docs" })).toBeInstanceOf(
      AlreadyExistsError,
    );
    const exists = toDomainError(
      httpError(400, "Wrong input: Collection `rp_x_docs` already exists!"),
      { collection: "docs" },
    );
    expect(exists).toMatchObject({ name: "AlreadyExistsError", kind: "collection", id: "docs" });
  });

  it("maps a 400 about vector dimensions to PreconditionError naming the field", () => {
    for (const text of [
      "Wrong input: Vector dimension error: expected dim: 3, got 2",
      "Wrong input: Vector inserting error: expected dim: 3, got 2",
    ]) {
      const error = toDomainError(httpError(400, text), {
        collection: "docs",
        vectorField: "points",
      });
      expect(error).toBeInstanceOf(PreconditionError);
      expect(error).toMatchObject({ field: "points" });
    }
  });

  it("maps 5xx, 429 and refused credentials to EngineUnavailableError, 408 and 504 to EngineTimeoutError", () => {
    for (const status of [500, 502, 503, 429, 401, 403]) {
      const error = toDomainError(httpError(status, "x"), { collection: "docs" });
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    expect(toDomainError(httpError(408))).toBeInstanceOf(EngineTimeoutError);
    expect(toDomainError(httpError(504))).toBeInstanceOf(EngineTimeoutError);
  });

  it("keeps other rejections as unexpected errors (INTERNAL), never as domain errors", () => {
    const error = toDomainError(httpError(400, "Format error in JSON body"), {
      collection: "docs",
    });
    expect(error.constructor).toBe(Error);
    expect(error.message).toContain("Format error in JSON body");
    expect(toDomainError(httpError(404)).constructor).toBe(Error);
  });
});

describe("toDomainError: transport failures", () => {
  it("maps refused, reset and unresolvable connections to EngineUnavailableError", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET"]) {
      expect(toDomainError(fetchFailed(coded(code)))).toBeInstanceOf(EngineUnavailableError);
    }
    const both = new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]);
    expect(toDomainError(fetchFailed(both))).toBeInstanceOf(EngineUnavailableError);
    expect(toDomainError(fetchFailed(undefined))).toBeInstanceOf(EngineUnavailableError);
  });

  it("maps the client's and undici's timeouts to EngineTimeoutError", () => {
    expect(toDomainError(new QdrantClientTimeoutError("t"))).toBeInstanceOf(EngineTimeoutError);
    expect(toDomainError(fetchFailed(coded("UND_ERR_CONNECT_TIMEOUT")))).toBeInstanceOf(
      EngineTimeoutError,
    );
    expect(toDomainError(new DOMException("t", "TimeoutError"))).toBeInstanceOf(EngineTimeoutError);
  });

  it("maps the client's rate-limit error to EngineUnavailableError and passes domain errors through", () => {
    expect(toDomainError(new QdrantClientResourceExhaustedError("slow down", "1"))).toBeInstanceOf(
      EngineUnavailableError,
    );
    const notFound = new NotFoundError("collection", "docs");
    expect(toDomainError(notFound)).toBe(notFound);
  });

  it("marks dropped connections, 429, 502 and 503 as retryable, and nothing else", () => {
    expect(isRetryable(fetchFailed(coded("ECONNRESET")))).toBe(true);
    expect(isRetryable(fetchFailed(coded("ECONNREFUSED")))).toBe(true);
    expect(isRetryable(httpError(503))).toBe(true);
    expect(isRetryable(httpError(429))).toBe(true);
    expect(isRetryable(httpError(500))).toBe(false);
    expect(isRetryable(httpError(404))).toBe(false);
    expect(isRetryable(fetchFailed(coded("ENOTFOUND")))).toBe(false);
  });
});

describe("calls through the real client (no Qdrant needed)", () => {
  let silent: Server;
  let silentUrl = "";
  let closedUrl = "";
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    silentUrl = `http://127.0.0.1:${await listen(silent)}`;
    const probe = createServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    closedUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("fails connect with EngineUnavailableError when nothing listens", async () => {
    const connecting = QdrantVectorStore.connect({ url: closedUrl, retries: 0 });
    await expect(connecting).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it("fails connect with EngineTimeoutError when the server never answers", async () => {
    const connecting = QdrantVectorStore.connect({ url: silentUrl, timeoutMs: 150 });
    await expect(connecting).rejects.toBeInstanceOf(EngineTimeoutError);
  });

  it("aborts a hanging request with CancelledError as soon as the caller's signal fires", async () => {
    const client = new QdrantClient({
      url: silentUrl,
      checkCompatibility: false,
      timeout: Infinity,
    });
    const http = new QdrantHttp({ url: silentUrl, connections: 1 });
    const caller = new QdrantCaller(
      client.api(),
      qdrantPolicy({ timeoutMs: 10_000, retries: 2, retryDelayMs: 0 }),
      http,
    );
    for (const path of ["client", "pool"] as const) {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const options = { signal: controller.signal, idempotent: true };
      const call =
        path === "client"
          ? caller.run((api, init) => api.getCollections({}, init), options)
          : caller.send("POST", "/collections/c/points/count", {}, options);
      await expect(call, path).rejects.toBeInstanceOf(CancelledError);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    await http.close();
  });

  it("retries an idempotent request after a refused connection, then reports it unavailable", async () => {
    const client = new QdrantClient({
      url: closedUrl,
      checkCompatibility: false,
      timeout: Infinity,
    });
    const caller = new QdrantCaller(
      client.api(),
      qdrantPolicy({ timeoutMs: 1_000, retries: 2, retryDelayMs: 1 }),
      new QdrantHttp({ url: closedUrl, connections: 1 }),
    );
    let attempts = 0;
    const call = caller.run(
      (api, init) => {
        attempts += 1;
        return api.getCollections({}, init);
      },
      { idempotent: true },
    );
    await expect(call).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(attempts).toBe(3);
    const sent = caller.send("POST", "/collections/c/points/count", {}, { idempotent: true });
    await expect(sent).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it("maps Qdrant's error answers on the pool path like the client's", async () => {
    const answers: Record<string, [number, object]> = {
      "/collections/gone/points/count": [404, { status: { error: "Not found: Collection" } }],
      "/collections/c/points/query": [
        400,
        { status: { error: "Wrong input: Vector dimension error: expected dim: 3, got 2" } },
      ],
    };
    const server = createHttpServer((request, response) => {
      const [status, body] = answers[request.url ?? ""] ?? [500, {}];
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    });
    const port = await listen(server as unknown as Server);
    const http = new QdrantHttp({ url: `http://127.0.0.1:${port}`, connections: 1 });
    const caller = new QdrantCaller(
      new QdrantClient({ url: `http://127.0.0.1:${port}`, checkCompatibility: false }).api(),
      qdrantPolicy({ timeoutMs: 1_000, retries: 0 }),
      http,
    );
    try {
      await expect(
        caller.send(
          "POST",
          "/collections/gone/points/count",
          {},
          {
            idempotent: true,
            collection: "docs",
          },
        ),
      ).rejects.toEqual(new NotFoundError("collection", "docs"));
      await expect(
        caller.send(
          "POST",
          "/collections/c/points/query",
          {},
          {
            idempotent: true,
            collection: "docs",
            vectorField: "vector",
          },
        ),
      ).rejects.toMatchObject({ name: "PreconditionError", field: "vector" });
    } finally {
      await http.close();
      server.close();
    }
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}
