import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { generateApiKey } from "../../security/api-keys/format.js";
import { withHeaders } from "../support/credentials.js";
import { realEngineEnv, realEnginesConfigured } from "../support/engine-env.js";
import { createGrpcJsTransport } from "../support/grpc-js-transport.js";
import {
  type CollectedSpan,
  otelCollectorFromEnv,
  SpanKind,
  spansFileSize,
  waitForSpans,
} from "../support/otel-collector.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const collector = otelCollectorFromEnv();
const prometheusUrl = process.env.PROMETHEUS_URL;
const targetsFile = process.env.PROMETHEUS_TARGETS_FILE;
const configured =
  realEnginesConfigured &&
  collector !== undefined &&
  prometheusUrl !== undefined &&
  targetsFile !== undefined;

describe.skipIf(!configured)(
  "ragplane observed by a real OpenTelemetry Collector and Prometheus (needs KAFKA_BROKERS, NEO4J_URL, OTEL_COLLECTOR_*, PROMETHEUS_*)",
  () => {
    const run = randomUUID().slice(0, 8);
    const adminKey = generateApiKey().key;
    let server: ServerProcess;
    let fromByte = 0;
    const client = <S extends Parameters<typeof createClient>[0]>(service: S) =>
      createClient(
        service,
        withHeaders(createGrpcJsTransport(`127.0.0.1:${server.ports.grpcPort}`), {
          authorization: `Bearer ${adminKey}`,
        }),
      );
    const caller = () => {
      const traceId = randomBytes(16).toString("hex");
      const spanId = randomBytes(8).toString("hex");
      return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
    };
    const spansOf = (traceId: string, count: number, predicate: (s: CollectedSpan) => boolean) =>
      waitForSpans(
        collector!.spansFile,
        (span) => span.traceId === traceId && predicate(span),
        15_000,
        { count, fromByte },
      );

    beforeAll(async () => {
      fromByte = await spansFileSize(collector!.spansFile);
      server = await startServerProcess({
        ...realEngineEnv,
        KAFKA_TOPIC_PREFIX: `obs${run}`,
        BOOTSTRAP_ADMIN_KEY: adminKey,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector!.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "200",
        OTEL_SERVICE_NAME: "ragplane-under-test",
      });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const ready = await fetch(`http://127.0.0.1:${server.ports.httpPort}/readyz`);
        if (ready.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    afterAll(async () => {
      await server?.stop();
      if (targetsFile !== undefined) await writeTargets(targetsFile, []);
    });

    it("exports a Search as the caller span's child, with an engine span below it", async () => {
      const vectors = client(VectorsService);
      await vectors.createCollection({ name: "obs", dimension: 2, distance: Distance.COSINE });
      await vectors.upsert({ collection: "obs", points: [{ id: "p", vector: [1, 0] }] });
      const call = caller();
      await vectors.search(
        { collection: "obs", vector: [1, 0], limit: 1 },
        { headers: { traceparent: call.traceparent } },
      );
      const [search] = await spansOf(call.traceId, 1, (s) => s.kind === SpanKind.server);
      expect(search).toMatchObject({
        name: "ragplane.v1.VectorsService/Search",
        parentSpanId: call.spanId,
        attributes: { "rpc.system": "grpc", "rpc.method": "Search", "ragplane.tenant": "default" },
        resource: { "service.name": "ragplane-under-test" },
      });
      const children = await spansOf(call.traceId, 2, (s) => s.parentSpanId === search?.spanId);
      const vectorEngine = realEngineEnv.QDRANT_URL ? "qdrant" : "embedded-vectors";
      expect(children.map((s) => s.name)).toContain(`${vectorEngine} search`);
      const redis = children.find((s) => s.attributes["db.system.name"] === "redis");
      expect(redis?.kind).toBe(SpanKind.client);
      expect(JSON.stringify(redis?.attributes)).not.toMatch(/rl:|default/);
    });

    it("puts a Publish, Kafka's producer span and each delivery to a Subscribe in one trace", async () => {
      const events = client(EventsService);
      await events.createTopic({ name: "obs", partitions: 1 });
      const call = caller();
      await events.publish(
        { topic: "obs", events: [{ id: "e1" }, { id: "e2" }] },
        { headers: { traceparent: call.traceparent } },
      );
      const abort = new AbortController();
      let delivered = 0;
      for await (const _ of events.subscribe(
        { topic: "obs" },
        { signal: abort.signal, timeoutMs: 20_000 },
      )) {
        if (++delivered === 2) break;
      }
      abort.abort();
      const spans = await spansOf(call.traceId, 2, (s) => s.kind === SpanKind.consumer);
      const all = await spansOf(call.traceId, 1, () => true);
      const producer = all.find((s) => s.kind === SpanKind.producer);
      expect(producer?.attributes["messaging.system"]).toBe("kafka");
      for (const delivery of spans.filter((s) => s.name === "process obs")) {
        expect(delivery.attributes["messaging.system"]).toBe("kafka");
        expect(all.map((s) => s.spanId)).toContain(delivery.parentSpanId);
        expect(delivery.links).toHaveLength(1);
      }
      expect(spans.filter((s) => s.name === "process obs")).toHaveLength(2);
    });

    it("exports a Neighbors on Neo4j with a query span carrying the Cypher", async () => {
      const graphs = client(GraphsService);
      await graphs.upsertNodes({
        nodes: [
          { id: `${run}-a`, labels: ["Doc"] },
          { id: `${run}-b`, labels: ["Doc"] },
        ],
      });
      await graphs.upsertRelationships({
        relationships: [{ fromId: `${run}-a`, toId: `${run}-b`, type: "CITES" }],
      });
      const call = caller();
      await graphs.neighbors(
        { nodeId: `${run}-a` },
        { headers: { traceparent: call.traceparent } },
      );
      const [query] = await spansOf(
        call.traceId,
        1,
        (s) => s.kind === SpanKind.client && s.attributes["db.system.name"] === "neo4j",
      );
      expect(query?.attributes["db.query.text"]).toMatch(/MATCH/);
      expect(JSON.stringify(query?.attributes)).not.toContain(`${run}-a`);
    });

    it("is scraped by Prometheus, and its exposition passes promtool check metrics", async () => {
      const metricsUrl = `http://127.0.0.1:${server.ports.metricsPort}/metrics`;
      const exposition = await (await fetch(metricsUrl)).text();
      const { stdout, stderr } = await promtool(["check", "metrics"], exposition);
      expect(`${stdout}${stderr}`.trim()).toBe("");
      await writeTargets(targetsFile!, [`127.0.0.1:${server.ports.metricsPort}`]);
      const query = encodeURIComponent(
        `sum(ragplane_rpc_server_calls_total{job="ragplane",method="Search",code="OK"})`,
      );
      const deadline = Date.now() + 30_000;
      let value = 0;
      while (Date.now() < deadline && value < 1) {
        const answer = (await (
          await fetch(`${prometheusUrl}/api/v1/query?query=${query}`)
        ).json()) as { data: { result: { value: [number, string] }[] } };
        value = Number(answer.data.result[0]?.value[1] ?? 0);
        if (value < 1) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(value).toBeGreaterThanOrEqual(1);
    });
  },
);

async function writeTargets(file: string, targets: readonly string[]): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(targets.length === 0 ? [] : [{ targets }]));
  await rename(temporary, file);
}

function promtool(
  args: readonly string[],
  input: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("promtool", [...args], (error, stdout, stderr) =>
      error
        ? reject(new Error(`promtool ${args.join(" ")}: ${stderr || error.message}`))
        : resolve({ stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}
