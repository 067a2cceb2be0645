import type { Logger } from "pino";
import { ShuttingDownError } from "../clients/errors.js";
import { type Call, type Interceptor, whenSettled } from "./call.js";
import { isServerFault, statusCodeOf, statusName } from "./status-codes.js";
import { principalKey, requestIdOf, spanKey, tenantKey } from "./values.js";

/** Options of {@link createLoggingInterceptor}. */
export interface LoggingOptions {
  /** The server's logger. */
  readonly logger: Logger;
}

/**
 * Logs one line per finished call: `rpc`, `protocol`, `code` (gRPC's canonical name:
 * `OK`, `NOT_FOUND`, …), `durationMs`, `requestId`, and once known the `tenant` and the
 * principal's id (`principal`, never a credential), plus `trace_id` / `span_id` when the
 * call is traced. Successes log at debug, client errors at info, server faults at error
 * (but a stream the server ends because it is stopping at info), so the default level
 * stays quiet on the hot path. Streams are logged when they end.
 */
export function createLoggingInterceptor(options: LoggingOptions): Interceptor {
  const { logger } = options;
  return (next, method) => {
    const rpc = `${method.parent.typeName}/${method.name}`;
    const finish = (call: Call, started: number, error: unknown): void => {
      const code = statusCodeOf(error);
      const fault = isServerFault(code) && !(call.signal.reason instanceof ShuttingDownError);
      const level = code === 0 ? "debug" : fault ? "error" : "info";
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        callFields(call, rpc, statusName(code), performance.now() - started),
        error instanceof Error ? error.message : "call finished",
      );
    };
    return async (call, input) => {
      const started = performance.now();
      try {
        const output = await next(call, input);
        if (!output.stream) {
          finish(call, started, undefined);
          return output;
        }
        return {
          stream: true,
          messages: whenSettled(output.messages, (e) => finish(call, started, e)),
        };
      } catch (error) {
        finish(call, started, error);
        throw error;
      }
    };
  };
}

/** The fields of a call's log line. */
function callFields(
  call: Call,
  rpc: string,
  code: string,
  durationMs: number,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    rpc,
    protocol: call.protocol,
    code,
    durationMs,
    requestId: requestIdOf(call),
  };
  const tenant = call.values.get(tenantKey);
  if (tenant !== "") fields.tenant = tenant;
  const principal = call.values.get(principalKey);
  if (principal !== undefined) fields.principal = principal.subject;
  const span = call.values.get(spanKey)?.spanContext();
  if (span !== undefined) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  return fields;
}
