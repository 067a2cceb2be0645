import type { DescMethod } from "@bufbuild/protobuf";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Protocol } from "../../interceptors/call.js";
import type { MethodMetrics, RpcMetrics, SecurityMetrics } from "../../interceptors/metrics.js";
import { statusName } from "../../interceptors/status-codes.js";

/** Latency buckets of calls and engine calls, in seconds: 1 ms to 10 s. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Message size buckets, in bytes: 64 B to 16 MiB. */
const sizeBuckets = [
  64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
];

type CallLabels = "service" | "method" | "code" | "protocol";
type CallCounter = Counter.Internal;
type CallTimer = Histogram.Internal<CallLabels>;
type InFlightGauge = Gauge.Internal<"service" | "method" | "protocol">;

/** An engine as the metrics name it: a small fixed set, never a tenant or a collection. */
export type EngineLabel =
  | "kafka"
  | "neo4j"
  | "qdrant"
  | "redis"
  | "embedded-events"
  | "embedded-vectors"
  | "embedded-graphs";

/** What is recorded of calls to the engines. */
export interface EngineMetrics {
  /** One engine call of `operation` (a port method name) ended after `seconds`. */
  engineCall(engine: EngineLabel, operation: string, seconds: number, ok: boolean): void;
  /** The readiness probe's latest verdict on an engine. */
  engineUp(engine: EngineLabel, up: boolean): void;
}

/** Where the sizes of a method's messages are recorded, by the transport that sees the bytes. */
export interface MessageSizes {
  /** The recorder of one method's messages on one protocol; resolved once per method. */
  forMethod(
    method: DescMethod,
    protocol: Protocol,
  ): { request(bytes: number): void; response(bytes: number): void };
}

/** A gauge whose value is read when Prometheus scrapes. */
export type GaugeSource = () => number | Promise<number>;

/**
 * Every metric ragplane exposes, in one Prometheus registry (see docs/observability.md).
 * Label values are bounded: services, methods, codes, protocols, engines, operations,
 * budgets and reasons, never a tenant, a collection or a topic.
 */
export class ServerMetrics implements RpcMetrics, SecurityMetrics, EngineMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();

  private readonly calls = new Counter({
    name: "ragplane_rpc_server_calls_total",
    help: "RPCs finished, by service, method, status code and protocol.",
    labelNames: ["service", "method", "code", "protocol"] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "ragplane_rpc_server_duration_seconds",
    help: "Time from a call's arrival to its status (a server stream: until it ends).",
    labelNames: ["service", "method", "code", "protocol"] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: "ragplane_rpc_server_in_flight",
    help: "RPCs being served now, server streams included.",
    labelNames: ["service", "method", "protocol"] as const,
    registers: [this.registry],
  });
  private readonly openStreams = new Gauge({
    name: "ragplane_open_streams",
    help: "Server streams (Subscribe) open now.",
    registers: [this.registry],
  });
  private readonly requestBytes = new Histogram({
    name: "ragplane_rpc_server_request_bytes",
    help: "Size of request messages as received, by service, method and protocol.",
    labelNames: ["service", "method", "protocol"] as const,
    buckets: sizeBuckets,
    registers: [this.registry],
  });
  private readonly responseBytes = new Histogram({
    name: "ragplane_rpc_server_response_bytes",
    help: "Size of response messages as sent, by service, method and protocol.",
    labelNames: ["service", "method", "protocol"] as const,
    buckets: sizeBuckets,
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: "ragplane_auth_failures_total",
    help: "Calls refused as UNAUTHENTICATED, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly rateLimited_ = new Counter({
    name: "ragplane_rate_limit_rejections_total",
    help: "Calls refused as RESOURCE_EXHAUSTED by the rate limits, by budget class.",
    labelNames: ["budget"] as const,
    registers: [this.registry],
  });
  private readonly engineCalls = new Counter({
    name: "ragplane_engine_calls_total",
    help: "Calls from the adapters to the engines, by engine, operation and outcome.",
    labelNames: ["engine", "operation", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly engineDuration = new Histogram({
    name: "ragplane_engine_call_duration_seconds",
    help: "Time of the adapters' engine calls, by engine and operation.",
    labelNames: ["engine", "operation"] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly engineUpGauge = new Gauge({
    name: "ragplane_engine_up",
    help: "1 when the engine passed its latest readiness probe, else 0.",
    labelNames: ["engine"] as const,
    registers: [this.registry],
  });
  /** Events delivered to Subscribe streams. */
  readonly subscribeDelivered = new Counter({
    name: "ragplane_subscribe_delivered_events_total",
    help: "Events delivered to Subscribe streams.",
    registers: [this.registry],
  });

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which Prometheus's linter refuses; the same totals
      // are the sums of `nodejs_active_{handles,requests,resources}` by type.
      for (const name of ["handles", "requests", "resources"]) {
        this.registry.removeSingleMetric(`nodejs_active_${name}_total`);
      }
    }
  }

  /**
   * Registers a gauge read at scrape time (`name` without labels). A source that fails
   * leaves the gauge at its last value rather than failing the scrape.
   */
  gauge(name: string, help: string, source: GaugeSource): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await source());
        } catch {
          // the engine is not reachable: keep the last value
        }
      },
    });
  }

  forMethod(method: DescMethod): MethodMetrics {
    const service = method.parent.typeName;
    const name = method.name;
    const finished = new Map<string, { count: CallCounter; time: CallTimer }>();
    const inFlight = new Map<Protocol, InFlightGauge>();
    const gaugeOf = (protocol: Protocol): InFlightGauge => {
      let gauge = inFlight.get(protocol);
      if (gauge === undefined) {
        gauge = this.inFlight.labels(service, name, protocol);
        inFlight.set(protocol, gauge);
      }
      return gauge;
    };
    return {
      started: (protocol) => gaugeOf(protocol).inc(),
      finished: (protocol, code, seconds) => {
        gaugeOf(protocol).dec();
        const key = `${protocol} ${code}`;
        let children = finished.get(key);
        if (children === undefined) {
          const labels = [service, name, statusName(code), protocol] as const;
          children = { count: this.calls.labels(...labels), time: this.duration.labels(...labels) };
          finished.set(key, children);
        }
        children.count.inc();
        children.time.observe(seconds);
      },
      requestBytes: (protocol, bytes) =>
        this.requestBytes.labels(service, name, protocol).observe(bytes),
      streamOpened: () => this.openStreams.inc(),
      streamClosed: () => this.openStreams.dec(),
    };
  }

  /** The message-size histograms, for the transports. */
  readonly messageSizes: MessageSizes = {
    forMethod: (method, protocol) => {
      const labels = [method.parent.typeName, method.name, protocol] as const;
      const request = this.requestBytes.labels(...labels);
      const response = this.responseBytes.labels(...labels);
      return {
        request: (bytes) => request.observe(bytes),
        response: (bytes) => response.observe(bytes),
      };
    },
  };

  authenticationFailed(reason: string): void {
    this.authFailures.labels(reasonLabel(reason)).inc();
  }

  rateLimited(budget: string): void {
    this.rateLimited_.labels(budget).inc();
  }

  engineCall(engine: EngineLabel, operation: string, seconds: number, ok: boolean): void {
    this.engineCalls.labels(engine, operation, ok ? "ok" : "error").inc();
    this.engineDuration.labels(engine, operation).observe(seconds);
  }

  engineUp(engine: EngineLabel, up: boolean): void {
    this.engineUpGauge.labels(engine).set(up ? 1 : 0);
  }
}

/**
 * A failure reason as a label value: the authenticators' reasons are a small fixed set
 * of phrases ("token expired"), written as `token_expired`.
 */
function reasonLabel(reason: string): string {
  return reason
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "")
    .slice(0, 48);
}
