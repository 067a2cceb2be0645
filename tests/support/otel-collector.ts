import { open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Reads what the `otelcol` engine of `scripts/engines/start.sh` received: a real
 * OpenTelemetry Collector whose file exporter writes every OTLP export request it gets as
 * one line of OTLP JSON (an `ExportTraceServiceRequest`: resourceSpans → scopeSpans → spans)
 * to `$OTEL_COLLECTOR_SPANS_FILE`. The file is emptied when the engine starts and only grows
 * while it runs; lines appear within ~100 ms of the export (the exporter's flush interval).
 */

/** An attribute value, simplified: arrays, maps and bytes become strings (JSON, base64). */
export type AttributeValue = string | number | boolean;

/** OTLP span kinds, as the collector writes them (numbers). */
export const SpanKind = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;

/** OTLP status codes, as the collector writes them (numbers). */
export const StatusCode = { unset: 0, ok: 1, error: 2 } as const;

/** One span from the spans file, flattened out of its resource and scope. */
export interface CollectedSpan {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** 16 lower-case hex digits, or "" for a root span. */
  parentSpanId: string;
  name: string;
  /** One of {@link SpanKind}. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string }[];
  /** `code` is one of {@link StatusCode}; `message` is "" when there is none. */
  status: { code: number; message: string };
  /** The attributes of the span's resource (`service.name` and so on). */
  resource: Record<string, AttributeValue>;
  /** The name of the instrumentation scope that made the span. */
  scope: string;
  /** Start and end as nanoseconds since the epoch (decimal strings: beyond 2^53). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

/**
 * The engine's OTLP/HTTP endpoint and spans file from this process's environment
 * (`OTEL_COLLECTOR_OTLP_ENDPOINT`, `OTEL_COLLECTOR_SPANS_FILE`, set by sourcing the run
 * dir's `env`), or undefined when the engine is not configured.
 */
export function otelCollectorFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): { endpoint: string; spansFile: string } | undefined {
  const endpoint = env.OTEL_COLLECTOR_OTLP_ENDPOINT;
  const spansFile = env.OTEL_COLLECTOR_SPANS_FILE;
  return endpoint && spansFile ? { endpoint, spansFile } : undefined;
}

/**
 * The spans file's current size in bytes (0 if it does not exist yet). Pass it as
 * `fromByte` to {@link readSpans} / {@link waitForSpans} to see only later exports.
 */
export async function spansFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/**
 * Reads the spans file into a flat list of spans, in the order they were written.
 * Only complete lines count (a line still being written is left for the next read); a
 * missing file reads as no spans. Throws if a complete line is not OTLP JSON.
 *
 * @param fromByte skip the bytes before this offset (a value from {@link spansFileSize}).
 */
export async function readSpans(file: string, fromByte = 0): Promise<CollectedSpan[]> {
  const text = await readFrom(file, fromByte);
  const end = text.lastIndexOf("\n");
  if (end < 0) return [];
  const spans: CollectedSpan[] = [];
  for (const [index, line] of text.slice(0, end).split("\n").entries()) {
    if (line.trim() === "") continue;
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (error) {
      throw new Error(`${file}: line ${index + 1} after byte ${fromByte} is not JSON`, {
        cause: error,
      });
    }
    spans.push(...flattenTraceRequest(request));
  }
  return spans;
}

/**
 * Flattens one OTLP JSON `ExportTraceServiceRequest` (as the collector's file exporter or
 * an OTLP/HTTP JSON client writes it) into spans. Ids are returned in lower case.
 */
export function flattenTraceRequest(request: unknown): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of arrayField(request, "resourceSpans")) {
    const resource = attributesOf(field(resourceSpans, "resource"));
    for (const scopeSpans of arrayField(resourceSpans, "scopeSpans")) {
      const scope = stringField(field(scopeSpans, "scope"), "name");
      for (const span of arrayField(scopeSpans, "spans")) {
        const status = field(span, "status");
        spans.push({
          traceId: stringField(span, "traceId").toLowerCase(),
          spanId: stringField(span, "spanId").toLowerCase(),
          parentSpanId: stringField(span, "parentSpanId").toLowerCase(),
          name: stringField(span, "name"),
          kind: enumField(span, "kind", "SPAN_KIND_", SpanKind),
          attributes: attributesOf(span),
          links: arrayField(span, "links").map((link) => ({
            traceId: stringField(link, "traceId").toLowerCase(),
            spanId: stringField(link, "spanId").toLowerCase(),
          })),
          status: {
            code: enumField(status, "code", "STATUS_CODE_", StatusCode),
            message: stringField(status, "message"),
          },
          resource,
          scope,
          startTimeUnixNano: String(field(span, "startTimeUnixNano") ?? "0"),
          endTimeUnixNano: String(field(span, "endTimeUnixNano") ?? "0"),
        });
      }
    }
  }
  return spans;
}

/** Options of {@link waitForSpans}. */
export interface WaitForSpansOptions {
  /** How many matching spans to wait for (default 1). */
  count?: number;
  /** Only spans written at or after this byte offset (see {@link spansFileSize}). */
  fromByte?: number;
  /** Time between reads of the file in ms (default 50). */
  intervalMs?: number;
}

/**
 * Polls the spans file until at least `count` spans (default 1) satisfy `predicate`, and
 * returns all the matching spans read by then. Throws after `timeoutMs` with the number of
 * spans seen and the names of the last ones.
 */
export async function waitForSpans(
  file: string,
  predicate: (span: CollectedSpan) => boolean,
  timeoutMs = 5000,
  options: WaitForSpansOptions = {},
): Promise<CollectedSpan[]> {
  const { count = 1, fromByte = 0, intervalMs = 50 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const spans = await readSpans(file, fromByte);
    const matching = spans.filter(predicate);
    if (matching.length >= count) return matching;
    if (performance.now() >= deadline) {
      const names = spans.slice(-20).map((span) => span.name);
      throw new Error(
        `waited ${timeoutMs} ms for ${count} matching span(s) in ${file}: ` +
          `${matching.length} matched, ${spans.length} seen (last: ${JSON.stringify(names)})`,
      );
    }
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------ internals

async function readFrom(file: string, fromByte: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (isNotFound(error)) return "";
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= fromByte) return "";
    const buffer = Buffer.alloc(size - fromByte);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, fromByte);
    return buffer.toString("utf8", 0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function arrayField(value: unknown, name: string): unknown[] {
  const found = field(value, name);
  return Array.isArray(found) ? found : [];
}

function stringField(value: unknown, name: string): string {
  const found = field(value, name);
  return typeof found === "string" ? found : "";
}

/** An enum as a number; protobuf JSON may also spell it by name (e.g. SPAN_KIND_SERVER). */
function enumField(
  value: unknown,
  name: string,
  prefix: string,
  names: Readonly<Record<string, number>>,
): number {
  const found = field(value, name);
  if (typeof found === "number") return found;
  if (typeof found === "string") {
    const byName = names[found.replace(prefix, "").toLowerCase()];
    return byName ?? (Number.parseInt(found, 10) || 0);
  }
  return 0;
}

function attributesOf(value: unknown): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const entry of arrayField(value, "attributes")) {
    const key = stringField(entry, "key");
    if (key !== "") attributes[key] = simplify(field(entry, "value"));
  }
  return attributes;
}

/** An OTLP `AnyValue` as a string, number or boolean. */
function simplify(value: unknown): AttributeValue {
  const string = field(value, "stringValue");
  if (typeof string === "string") return string;
  const bool = field(value, "boolValue");
  if (typeof bool === "boolean") return bool;
  const int = field(value, "intValue");
  if (int !== undefined) {
    // int64 is a decimal string in OTLP JSON; beyond 2^53 it stays one
    const n = Number(int);
    return Number.isSafeInteger(n) ? n : String(int);
  }
  const double = field(value, "doubleValue");
  if (double !== undefined) return Number(double); // "NaN", "Infinity" are strings
  const bytes = field(value, "bytesValue");
  if (typeof bytes === "string") return bytes;
  const array = field(value, "arrayValue");
  if (array !== undefined) return JSON.stringify(arrayField(array, "values").map(simplify));
  const map = field(value, "kvlistValue");
  if (map !== undefined) return JSON.stringify(attributesOf({ attributes: field(map, "values") }));
  return "";
}
