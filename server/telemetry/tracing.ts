import { register } from "node:module";
import { type Tracer, trace } from "@opentelemetry/api";
import type { Env } from "../env-reader.js";

/** The tracer name of ragplane's own spans. */
export const tracerName = "ragplane";

/** Tracing as started by {@link startTracing}. */
export interface Tracing {
  /** Where ragplane's own spans are made. */
  readonly tracer: Tracer;
  /** Flushes the spans not yet exported and stops exporting. */
  shutdown(): Promise<void>;
}

/** Tracing as the standard `OTEL_*` variables ask for it. */
export interface TracingConfig {
  /** The OTLP endpoint spans go to. */
  readonly endpoint: string;
  /** `service.name` of the spans. */
  readonly serviceName: string;
}

/**
 * Tracing when the standard `OTEL_*` variables ask for it, else undefined: an OTLP
 * endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`),
 * the SDK is not disabled (`OTEL_SDK_DISABLED`) and `OTEL_TRACES_EXPORTER` is not `none`.
 * The SDK reads the other `OTEL_*` variables (protocol, headers, sampler, resource) itself.
 */
export function readTracing(env: Env): TracingConfig | undefined {
  const endpoint =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim());
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME) ?? "ragplane";
  if (endpoint === undefined || disabled || exporters.includes("none")) return undefined;
  return { endpoint, serviceName };
}

/**
 * Starts the OpenTelemetry SDK when {@link readTracing} says so, before any engine driver
 * is imported: it installs the ES-module hooks through which the maintained
 * instrumentations patch kafkajs (produce and fetch), ioredis (commands, recorded by
 * name only: their keys hold tenants' ids and event ids) and undici
 * (Qdrant's HTTP requests), then exports spans over OTLP as the `OTEL_*` variables say
 * (endpoint, protocol, headers, sampler, service name, resource attributes). Metrics and
 * logs are not exported this way: metrics are Prometheus's (`/metrics`), logs are JSON
 * lines. Returns undefined, having loaded nothing, when tracing is off.
 */
export async function startTracing(env: Env): Promise<Tracing | undefined> {
  const settings = readTracing(env);
  if (settings === undefined) return undefined;
  const { createAddHookMessageChannel } = await import("import-in-the-middle");
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
  const [{ NodeSDK }, kafkajs, ioredis, undici] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-kafkajs"),
    import("@opentelemetry/instrumentation-ioredis"),
    import("@opentelemetry/instrumentation-undici"),
  ]);
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new kafkajs.KafkaJsInstrumentation(),
      new ioredis.IORedisInstrumentation({
        requireParentSpan: true,
        dbStatementSerializer: (command) => command,
      }),
      new undici.UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  return { tracer: trace.getTracer(tracerName), shutdown: () => sdk.shutdown() };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
