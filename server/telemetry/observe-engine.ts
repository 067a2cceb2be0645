import { context, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import {
  AlreadyExistsError,
  CancelledError,
  NotFoundError,
  PreconditionError,
} from "../../clients/errors.js";
import type { Engine } from "../deferred-engine.js";
import { decorateEngine } from "../engine-decorator.js";
import type { EngineLabel, EngineMetrics } from "./metrics.js";

/** The port operations timed and traced, by port: every call except streams and probes. */
export const observedOperations = {
  events: ["createTopic", "getTopic", "listTopics", "append", "endOffsets"],
  vectors: [
    "createCollection",
    "listCollections",
    "getCollection",
    "deleteCollection",
    "upsert",
    "search",
    "get",
    "delete",
    "count",
    "scroll",
    "putAlias",
    "deleteAlias",
    "listAliases",
  ],
  graphs: [
    "upsertNodes",
    "upsertRelationships",
    "getNode",
    "getNodes",
    "getRelationships",
    "relationshipsAmong",
    "deleteNodes",
    "deleteRelationships",
    "neighbors",
    "neighborhoods",
    "shortestPath",
    "usage",
    "countExisting",
    "subjectNodes",
    "subjectRelationships",
    "deleteSubject",
  ],
} as const satisfies Record<string, readonly string[]>;

/** Where engine calls are recorded; either part may be absent. */
export interface EngineTelemetry {
  readonly metrics?: EngineMetrics;
  readonly tracer?: Tracer;
}

/** What the engine is, for spans: OpenTelemetry's `db.system.name` of each engine. */
const systemOf: Record<EngineLabel, string> = {
  kafka: "kafka",
  neo4j: "neo4j",
  qdrant: "qdrant",
  redis: "redis",
  "embedded-events": "sqlite",
  "embedded-vectors": "usearch",
  "embedded-graphs": "sqlite",
};

/**
 * An engine whose port operations are timed (`ragplane_engine_call_duration_seconds`,
 * `ragplane_engine_calls_total`) and traced (a span `<engine> <operation>` around the
 * call, parent of the driver's own spans, made only inside a traced RPC so background
 * work such as audit appends makes no traces of its own). Returns the engine itself when there is
 * nothing to record, so an unobserved engine costs nothing.
 */
export function observeEngine<T extends Engine>(
  engine: T,
  label: EngineLabel,
  operations: readonly string[],
  telemetry: EngineTelemetry,
): T {
  const { metrics, tracer } = telemetry;
  if (metrics === undefined && tracer === undefined) return engine;
  const observed = new Set(operations);
  const wrap = (operation: string) => {
    const recorder = metrics?.forOperation(label, operation);
    return async (...args: unknown[]) => {
      const started = performance.now();
      const traced = tracer !== undefined && trace.getSpan(context.active()) !== undefined;
      const span = traced
        ? tracer.startSpan(`${label} ${operation}`, {
            kind: SpanKind.INTERNAL,
            attributes: { "db.system.name": systemOf[label], "db.operation.name": operation },
          })
        : undefined;
      const method = Reflect.get(engine, operation) as (...a: unknown[]) => Promise<unknown>;
      try {
        const result = await (span === undefined
          ? method.apply(engine, args)
          : context.with(trace.setSpan(context.active(), span), method, engine, ...args));
        recorder?.record((performance.now() - started) / 1000, true);
        return result;
      } catch (error) {
        const fault = isEngineFault(error);
        recorder?.record((performance.now() - started) / 1000, !fault);
        if (fault) {
          span?.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.name : "error",
          });
        }
        throw error;
      } finally {
        span?.end();
      }
    };
  };
  return decorateEngine(engine, (property) =>
    observed.has(property) ? wrap(property) : undefined,
  );
}

/**
 * Whether a failed engine call is the engine's fault: an answer such as "not found" or
 * "already exists", and a caller who went away, are outcomes, not engine errors.
 */
function isEngineFault(error: unknown): boolean {
  return !(
    error instanceof NotFoundError ||
    error instanceof AlreadyExistsError ||
    error instanceof PreconditionError ||
    error instanceof CancelledError ||
    error instanceof RangeError
  );
}
