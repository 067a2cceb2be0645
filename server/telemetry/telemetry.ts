import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Engines } from "../build.js";
import type { Config } from "../config.js";
import type { Subscriptions } from "../services/events/subscriptions.js";
import { type EngineLabel, ServerMetrics } from "./metrics.js";
import type { Tracing } from "./tracing.js";

/** What the server reports about itself; either part may be off. */
export interface Telemetry {
  /** Prometheus metrics (`/metrics`); on unless `METRICS_ENABLED=false`. */
  readonly metrics?: ServerMetrics;
  /** Where spans are made; present only when tracing is on (an OTLP endpoint is set). */
  readonly tracer?: Tracer;
}

/**
 * The server's telemetry as configured: Prometheus metrics unless `METRICS_ENABLED=false`,
 * and the tracer of `tracing` when tracing was started.
 */
export function createTelemetry(config: Config, tracing: Tracing | undefined): Telemetry {
  return {
    ...(config.metrics === undefined ? {} : { metrics: new ServerMetrics() }),
    ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
  };
}

/** The engine labels of each capability, from which engine serves it. */
export function engineLabels(kinds: Engines["kinds"]): {
  readonly events: EngineLabel;
  readonly vectors: EngineLabel;
  readonly graphs: EngineLabel;
} {
  return {
    events: kinds?.events === "kafka" ? "kafka" : "embedded-events",
    vectors: kinds?.vectors === "qdrant" ? "qdrant" : "embedded-vectors",
    graphs: kinds?.graphs === "neo4j" ? "neo4j" : "embedded-graphs",
  };
}

/**
 * The gauges read from the engines at scrape time: the largest Subscribe lag, the
 * embedded HNSW indexes' sizes, and Neo4j's pool use, each where that engine runs.
 */
export function registerEngineGauges(
  metrics: ServerMetrics,
  engines: Engines,
  subscriptions: Subscriptions,
  logger: Logger,
): void {
  metrics.gauge(
    "ragplane_subscribe_lag_max_events",
    "The largest lag, in events, of any open Subscribe stream behind its topic's end.",
    () =>
      subscriptions.maxLag(AbortSignal.timeout(2_000)).catch((error: unknown) => {
        logger.warn({ err: error }, "consumer lag unavailable");
        return 0;
      }),
  );
  const vectors = engines.vectors as Partial<{
    indexStats(): { collections: number; points: number };
  }>;
  if (engines.kinds?.vectors !== "qdrant" && typeof vectors.indexStats === "function") {
    const stats = vectors.indexStats.bind(vectors);
    metrics.gauge(
      "ragplane_embedded_vector_collections",
      "Embedded vector collections whose HNSW index is in memory.",
      () => stats().collections,
    );
    metrics.gauge(
      "ragplane_embedded_vector_points",
      "Points in the embedded HNSW indexes in memory.",
      () => stats().points,
    );
  }
  if (engines.kinds?.graphs === "neo4j") {
    const graphs = engines.graphs as Partial<{ poolUse(): { inUse: number; max: number } }>;
    metrics.gauge(
      "ragplane_neo4j_sessions_in_use",
      "Neo4j sessions (pooled connections) in use by ragplane now.",
      () => (typeof graphs.poolUse === "function" ? graphs.poolUse().inUse : 0),
    );
    metrics.gauge(
      "ragplane_neo4j_pool_max",
      "The Neo4j connection pool's size (NEO4J_MAX_POOL_SIZE).",
      () => (typeof graphs.poolUse === "function" ? graphs.poolUse().max : 0),
    );
  }
}
