import type { DescMethod } from "@bufbuild/protobuf";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { BreakerState } from "../../clients/resilience/engine-policy.js";
import type { Protocol } from "../../interceptors/call.js";
import type { MethodMetrics, RpcMetrics, SecurityMetrics } from "../../interceptors/metrics.js";
import { statusName } from "../../interceptors/status-codes.js";
import { ErasureMetrics } from "./erasure-metrics.js";
import { IngestionMetrics } from "./ingestion-metrics.js";
import {
  type CounterChild,
  FastCounter,
  FastGauge,
  FastHistogram,
  type HistogramChild,
} from "./instruments.js";
import { QuotaGauges } from "./quota-metrics.js";
import { RetentionMetrics } from "./retention-metrics.js";

/** Latency buckets of calls and engine calls, in seconds: 1 ms to 10 s. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Message size buckets, in bytes: 64 B to 16 MiB. */
const sizeBuckets = [
  64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
];

/** An engine as the metrics name it: a small fixed set, never a tenant or a collection. */
export type EngineLabel =
  | "kafka"
  | "neo4j"
  | "qdrant"
  | "redis"
  | "embedded-events"
  | "embedded-vectors"
  | "embedded-graphs";

/** The recorder of one engine operation's calls; resolved once per operation. */
export interface EngineOperationMetrics {
  /** One call ended after `seconds`; `ok` is false for an engine fault. */
  record(seconds: number, ok: boolean): void;
}

/** What is recorded of calls to the engines. */
export interface EngineMetrics {
  /** The recorder of `operation` (a port method name) on `engine`. */
  forOperation(engine: EngineLabel, operation: string): EngineOperationMetrics;
  /** The readiness probe's latest verdict on an engine. */
  engineUp(engine: EngineLabel, up: boolean): void;
  /** An engine's circuit breaker changed state. */
  breakerChanged(engine: EngineLabel, state: BreakerState): void;
  /** An engine's bulkhead refused a call. */
  bulkheadRejected(engine: EngineLabel): void;
  /** An engine call is tried again. */
  engineRetried(engine: EngineLabel): void;
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

const protocols: readonly Protocol[] = ["grpc", "grpc-web", "connect"];

/**
 * Every metric ragplane exposes, in one Prometheus registry (see docs/observability.md).
 * Label values are bounded: services, methods, codes, protocols, engines, operations,
 * budgets and reasons, never a tenant, a collection or a topic. What is recorded on every
 * call resolves its label set once ({@link FastCounter} and its kin); the registry and
 * the process metrics are prom-client's.
 */
export class ServerMetrics implements RpcMetrics, SecurityMetrics, EngineMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();

  private readonly calls = new FastCounter(
    this.registry,
    "ragplane_rpc_server_calls_total",
    "RPCs finished, by service, method, status code and protocol.",
  );
  private readonly duration = new FastHistogram(
    this.registry,
    "ragplane_rpc_server_duration_seconds",
    "Time from a call's arrival to its status (a server stream: until it ends).",
    latencyBuckets,
  );
  private readonly inFlight = new FastGauge(
    this.registry,
    "ragplane_rpc_server_in_flight",
    "RPCs being served now, server streams included.",
  );
  private readonly openStreams = new FastGauge(
    this.registry,
    "ragplane_open_streams",
    "Server streams (Subscribe) open now.",
  ).child({});
  private readonly requestBytes = new FastHistogram(
    this.registry,
    "ragplane_rpc_server_request_bytes",
    "Size of request messages as received, by service, method and protocol.",
    sizeBuckets,
  );
  private readonly responseBytes = new FastHistogram(
    this.registry,
    "ragplane_rpc_server_response_bytes",
    "Size of response messages as sent, by service, method and protocol.",
    sizeBuckets,
  );
  private readonly authFailures = new FastCounter(
    this.registry,
    "ragplane_auth_failures_total",
    "Calls refused as UNAUTHENTICATED, by reason.",
  );
  private readonly rateLimitRejections = new FastCounter(
    this.registry,
    "ragplane_rate_limit_rejections_total",
    "Calls refused as RESOURCE_EXHAUSTED by the rate limits, by budget class.",
  );
  private readonly engineCalls = new FastCounter(
    this.registry,
    "ragplane_engine_calls_total",
    "Calls from the adapters to the engines, by engine, operation and outcome.",
  );
  private readonly engineDuration = new FastHistogram(
    this.registry,
    "ragplane_engine_call_duration_seconds",
    "Time of the adapters' engine calls, by engine and operation.",
    latencyBuckets,
  );
  private readonly engineUpGauge = new FastGauge(
    this.registry,
    "ragplane_engine_up",
    "1 when the engine passed its latest readiness probe, else 0.",
  );
  private readonly breakerState = new FastGauge(
    this.registry,
    "ragplane_engine_breaker_state",
    "State of the engine's circuit breaker: 0 closed, 1 half-open (probing), 2 open (failing fast).",
  );
  private readonly bulkheadRejections = new FastCounter(
    this.registry,
    "ragplane_engine_bulkhead_rejections_total",
    "Engine calls refused because the engine's calls in flight and queued were at their limit.",
  );
  private readonly engineRetries = new FastCounter(
    this.registry,
    "ragplane_engine_retries_total",
    "Engine calls tried again after a transient failure.",
  );
  private readonly delivered = new FastCounter(
    this.registry,
    "ragplane_subscribe_delivered_events_total",
    "Events delivered to Subscribe streams.",
  ).child({});

  /** Quota refusals and tenants' usage against their quotas. */
  readonly quotas = new QuotaGauges(this.registry);

  /** What the ingestion projector wrote, skipped and dead-lettered. */
  readonly ingestion = new IngestionMetrics(this.registry);

  /** What the retention sweeper removed, when it last swept, and its failures. */
  readonly retention = new RetentionMetrics(this.registry);
  /** Erasure jobs finished, their seconds, and failed steps. */
  readonly erasures = new ErasureMetrics(this.registry);

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

  /** Counts one event delivered to a Subscribe stream. */
  subscribeDelivered(): void {
    this.delivered.inc();
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
    const index = (protocol: Protocol): number => protocols.indexOf(protocol);
    const inFlight = protocols.map((protocol) =>
      once(() => this.inFlight.child({ service, method: name, protocol })),
    );
    const requestBytes = protocols.map((protocol) =>
      once(() => this.requestBytes.child({ service, method: name, protocol })),
    );
    const finished: ({ count: CounterChild; time: HistogramChild } | undefined)[] = [];
    const finishedOf = (protocol: Protocol, code: number) => {
      const slot = index(protocol) * 17 + code;
      let children = finished[slot];
      if (children === undefined) {
        const labels = { service, method: name, code: statusName(code), protocol };
        children = { count: this.calls.child(labels), time: this.duration.child(labels) };
        finished[slot] = children;
      }
      return children;
    };
    return {
      started: (protocol) => inFlight[index(protocol)]?.().inc(),
      finished: (protocol, code, seconds) => {
        inFlight[index(protocol)]?.().dec();
        const children = finishedOf(protocol, code);
        children.count.inc();
        children.time.observe(seconds);
      },
      requestBytes: (protocol, bytes) => requestBytes[index(protocol)]?.().observe(bytes),
      streamOpened: () => this.openStreams.inc(),
      streamClosed: () => this.openStreams.dec(),
    };
  }

  /** The message-size histograms, for the transports. */
  readonly messageSizes: MessageSizes = {
    forMethod: (method, protocol) => {
      const labels = { service: method.parent.typeName, method: method.name, protocol };
      const request = once(() => this.requestBytes.child(labels));
      const response = once(() => this.responseBytes.child(labels));
      return {
        request: (bytes) => request().observe(bytes),
        response: (bytes) => response().observe(bytes),
      };
    },
  };

  authenticationFailed(reason: string): void {
    this.authFailures.child({ reason: reasonLabel(reason) }).inc();
  }

  rateLimited(budget: string): void {
    this.rateLimitRejections.child({ budget }).inc();
  }

  forOperation(engine: EngineLabel, operation: string): EngineOperationMetrics {
    const ok = this.engineCalls.child({ engine, operation, outcome: "ok" });
    const error = this.engineCalls.child({ engine, operation, outcome: "error" });
    const time = this.engineDuration.child({ engine, operation });
    return {
      record: (seconds, succeeded) => {
        (succeeded ? ok : error).inc();
        time.observe(seconds);
      },
    };
  }

  engineUp(engine: EngineLabel, up: boolean): void {
    this.engineUpGauge.child({ engine }).set(up ? 1 : 0);
  }

  breakerChanged(engine: EngineLabel, state: BreakerState): void {
    this.breakerState.child({ engine }).set(breakerStates.indexOf(state));
  }

  bulkheadRejected(engine: EngineLabel): void {
    this.bulkheadRejections.child({ engine }).inc();
  }

  engineRetried(engine: EngineLabel): void {
    this.engineRetries.child({ engine }).inc();
  }
}

/** Breaker states in the order of their gauge values. */
const breakerStates: readonly BreakerState[] = ["closed", "half-open", "open"];

/**
 * `make`'s result, made on the first call: a label set is exported only once something
 * was recorded under it, so methods never called add no series.
 */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
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
