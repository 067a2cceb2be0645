import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { Code, createClient } from "@connectrpc/connect";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";
import { type MemoryTracing, startMemoryTracing } from "../support/tracing.js";

let tracing: MemoryTracing;
let server: TestServer;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  tracing = startMemoryTracing();
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  server = await startTestServer({ LOG_LEVEL: "debug" }, undefined, {
    tracer: tracing.tracer,
    logDestination,
  });
  const vectors = createClient(VectorsService, server.transport("grpc-js"));
  await vectors.createCollection({ name: "traced", dimension: 2, distance: Distance.COSINE });
  await vectors.upsert({
    collection: "traced",
    points: [
      { id: "a", vector: [1, 0] },
      { id: "b", vector: [0, 1] },
    ],
  });
});
afterAll(async () => {
  await server?.close();
  await tracing?.shutdown();
});
beforeEach(() => tracing.reset());

function callerSpan(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const serverSpans = (name: string): ReadableSpan[] =>
  tracing.spans().filter((span) => span.name === name && span.kind === SpanKind.SERVER);

async function metricsText(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.ports.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf("}"));
    if (wanted.every((pair) => labelText.split(",").includes(pair))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

describe.each(transportNames)("tracing over %s", (transportName) => {
  it("makes the Search span a child of the caller's span, with an engine child span", async () => {
    const caller = callerSpan();
    const vectors = createClient(VectorsService, server.transport(transportName));
    await vectors.search(
      { collection: "traced", vector: [1, 0], limit: 1 },
      { headers: { traceparent: caller.traceparent, tracestate: "vendor=1" } },
    );
    const [span] = serverSpans("ragplane.v1.VectorsService/Search");
    expect(span).toBeDefined();
    if (span === undefined) return;
    expect(span.spanContext().traceId).toBe(caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span.spanContext().traceState?.get("vendor")).toBe("1");
    expect(span.attributes).toMatchObject({
      "rpc.system": transportName === "connect" ? "connect_rpc" : "grpc",
      "rpc.service": "ragplane.v1.VectorsService",
      "rpc.method": "Search",
      "rpc.grpc.status_code": 0,
      "ragplane.tenant": "default",
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const engine = tracing.spans().find((s) => s.name === "embedded-vectors search");
    expect(engine?.spanContext().traceId).toBe(caller.traceId);
    expect(engine?.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(engine?.attributes["db.system.name"]).toBe("usearch");
  });

  it("keeps a caller's mistake out of the error status and never records a credential", async () => {
    const vectors = createClient(VectorsService, server.transport(transportName));
    const error = await rejection(vectors.getCollection({ name: "missing" }));
    expect(error.code).toBe(Code.NotFound);
    const [span] = serverSpans("ragplane.v1.VectorsService/GetCollection");
    expect(span?.attributes["rpc.response.status_code"]).toBe("NOT_FOUND");
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    const recorded = JSON.stringify(tracing.spans().map((s) => s.attributes));
    expect(recorded).not.toContain(server.adminKey);
    expect(recorded).not.toContain(server.adminKey.split("_").at(-1));
  });
});

describe("trace context through the event log", () => {
  it("writes the Publish span's traceparent into each event and continues its trace in each delivery", async () => {
    const events = createClient(EventsService, server.transport("grpc-js"));
    await events.createTopic({ name: "traced", partitions: 1 });
    const caller = callerSpan();
    await events.publish(
      { topic: "traced", events: [{ id: "e1" }, { id: "e2", headers: { own: "kept" } }] },
      { headers: { traceparent: caller.traceparent } },
    );
    const [publish] = serverSpans("ragplane.v1.EventsService/Publish");
    expect(publish?.spanContext().traceId).toBe(caller.traceId);
    const abort = new AbortController();
    const delivered = [];
    for await (const response of events.subscribe({ topic: "traced" }, { signal: abort.signal })) {
      delivered.push(response.event);
      if (delivered.length === 2) break;
    }
    abort.abort();
    for (const event of delivered) {
      expect(event?.headers.traceparent).toMatch(
        new RegExp(`^00-${caller.traceId}-[0-9a-f]{16}-01$`),
      );
    }
    expect(delivered[1]?.headers.own).toBe("kept");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const deliveries = tracing.spans().filter((span) => span.name === "process traced");
    expect(deliveries).toHaveLength(2);
    const [subscribe] = serverSpans("ragplane.v1.EventsService/Subscribe");
    for (const delivery of deliveries) {
      expect(delivery.kind).toBe(SpanKind.CONSUMER);
      expect(delivery.spanContext().traceId).toBe(caller.traceId);
      expect(delivery.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
      expect(delivery.links.map((link) => link.context.spanId)).toEqual([
        subscribe?.spanContext().spanId,
      ]);
    }
  });
});

describe("metrics", () => {
  it("counts and times calls by service, method, code and protocol", async () => {
    const before = await metricsText();
    const labels = { service: "ragplane.v1.VectorsService", method: "GetCollection" };
    for (const transportName of transportNames) {
      const vectors = createClient(VectorsService, server.transport(transportName));
      await vectors.getCollection({ name: "traced" });
      await rejection(vectors.getCollection({ name: "missing" }));
    }
    const after = await metricsText();
    for (const protocol of ["grpc", "connect", "grpc-web"]) {
      const calls = protocol === "grpc" ? 2 : 1;
      for (const code of ["OK", "NOT_FOUND"]) {
        const key = { ...labels, code, protocol };
        const counted = sample(after, "ragplane_rpc_server_calls_total", key) ?? 0;
        expect(counted - (sample(before, "ragplane_rpc_server_calls_total", key) ?? 0)).toBe(calls);
        const timed = sample(after, "ragplane_rpc_server_duration_seconds_count", key) ?? 0;
        expect(timed).toBeGreaterThanOrEqual(counted);
      }
    }
    expect(
      sample(after, "ragplane_engine_calls_total", {
        engine: "embedded-vectors",
        operation: "getCollection",
        outcome: "ok",
      }),
    ).toBeGreaterThan(0);
    expect(sample(after, "ragplane_engine_up", { engine: "embedded-vectors" })).toBe(1);
    expect(sample(after, "ragplane_rpc_server_in_flight", { ...labels, protocol: "grpc" })).toBe(0);
    for (const histogram of ["request", "response"]) {
      const name = `ragplane_rpc_server_${histogram}_bytes_count`;
      expect(sample(after, name, { ...labels, protocol: "grpc" })).toBeGreaterThan(0);
    }
  });

  it("takes an HTTP request's size from its content-length", async () => {
    const labels = { service: "ragplane.v1.VectorsService", method: "GetCollection" };
    const key = { ...labels, protocol: "connect" };
    const name = "ragplane_rpc_server_request_bytes_sum";
    const before = sample(await metricsText(), name, key) ?? 0;
    const body = JSON.stringify({ name: "traced" });
    const response = await fetch(
      `http://127.0.0.1:${server.ports.httpPort}/ragplane.v1.VectorsService/GetCollection`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.adminKey}` },
        body,
      },
    );
    expect(response.status).toBe(200);
    expect((sample(await metricsText(), name, key) ?? 0) - before).toBe(body.length);
  });

  it("counts authentication failures by reason and exposes no tenant, collection or credential", async () => {
    const before = await metricsText();
    const vectors = createClient(
      VectorsService,
      server.transport("connect", { apiKey: "rp_nosuchkey_0123456789abcdef0123456789abcdef" }),
    );
    await rejection(vectors.listCollections({}));
    const after = await metricsText();
    const reasons = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.startsWith("ragplane_auth_failures_total{"))
        .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    expect(reasons(after) - reasons(before)).toBe(1);
    expect(after).toMatch(/ragplane_auth_failures_total\{reason="[a-z_]+"\} \d+/);
    for (const secretOrTenantData of ["traced", "missing", "nosuchkey", server.adminKey]) {
      expect(after).not.toContain(secretOrTenantData);
    }
  });

  it("answers a scrape without a credential, on its own port only", async () => {
    const response = await fetch(`http://127.0.0.1:${server.ports.metricsPort}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("# TYPE ragplane_rpc_server_calls_total counter");
    const elsewhere = await fetch(`http://127.0.0.1:${server.ports.metricsPort}/readyz`);
    expect(elsewhere.status).toBe(404);
    const onApiPort = await fetch(`http://127.0.0.1:${server.ports.httpPort}/metrics`);
    expect(onApiPort.status).not.toBe(200);
    expect(await metricsText()).not.toContain('method="ShortestPath"');
  });
});

describe("call log lines", () => {
  it("carry the pinned fields, one spelling of the code, and no credential", async () => {
    const caller = callerSpan();
    const vectors = createClient(VectorsService, server.transport("grpc-web"));
    await rejection(
      vectors.getCollection({ name: "logged" }, { headers: { traceparent: caller.traceparent } }),
    );
    await vectors.getCollection(
      { name: "traced" },
      { headers: { traceparent: caller.traceparent } },
    );
    const calls = logLines.filter(
      (line) =>
        line.rpc === "ragplane.v1.VectorsService/GetCollection" && line.trace_id === caller.traceId,
    );
    expect(calls.map((line) => line.code)).toEqual(["NOT_FOUND", "OK"]);
    for (const line of calls) {
      expect(Object.keys(line).sort()).toEqual(
        [
          "code",
          "durationMs",
          "level",
          "msg",
          "principal",
          "protocol",
          "requestId",
          "rpc",
          "service",
          "span_id",
          "tenant",
          "time",
          "trace_id",
        ].sort(),
      );
      expect(line).toMatchObject({ protocol: "grpc-web", tenant: "default", service: "ragplane" });
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(String(line.principal)).not.toContain("rp_");
    }
    const secret = server.adminKey.split("_").at(-1) ?? server.adminKey;
    expect(JSON.stringify(logLines)).not.toContain(secret);
  });
});
