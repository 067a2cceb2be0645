import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { Call, CallOutput, Interceptor } from "./call.js";
import { isServerFault, statusCodeOf, statusName } from "./status-codes.js";
import { principalKey, spanKey, tenantKey } from "./values.js";

/** Options of {@link createTracingInterceptor}. */
export interface TracingOptions {
  /** Where spans are made; tracing is off (the step passes calls through) when absent. */
  readonly tracer?: Tracer;
}

const callHeaders: TextMapGetter<Call> = {
  get: (call, key) => call.header(key),
  keys: () => ["traceparent", "tracestate", "baggage"],
};

/**
 * Makes one SERVER span per RPC, named `ragplane.v1.VectorsService/Search`, as the child
 * of the caller's span when the call carries W3C `traceparent` / `tracestate` (and
 * `baggage`). Attributes follow OpenTelemetry's RPC conventions plus the tenant and the
 * principal's id (never a credential); the span is an ERROR only for server faults. The
 * rest of the chain, the service and its engine calls run inside the span's context, so
 * their spans are its children; a server stream's span ends with the stream.
 */
export function createTracingInterceptor(options: TracingOptions): Interceptor {
  const { tracer } = options;
  if (tracer === undefined) return (next) => next;
  return (next, method) => {
    const name = `${method.parent.typeName}/${method.name}`;
    const attributes = {
      "rpc.service": method.parent.typeName,
      "rpc.method": method.name,
    };
    return async (call, input) => {
      const parent = propagation.extract(context.active(), call, callHeaders);
      const span = tracer.startSpan(
        name,
        {
          kind: SpanKind.SERVER,
          attributes: {
            ...attributes,
            "rpc.system": call.protocol === "connect" ? "connect_rpc" : "grpc",
            "ragplane.protocol": call.protocol,
          },
        },
        parent,
      );
      call.values.set(spanKey, span);
      const active = trace.setSpan(parent, span);
      let output: CallOutput;
      try {
        output = await context.with(active, () => next(call, input));
      } catch (error) {
        endSpan(span, call, error);
        throw error;
      }
      if (!output.stream) {
        endSpan(span, call, undefined);
        return output;
      }
      return { stream: true, messages: inContext(output.messages, active, span, call) };
    };
  };
}

function endSpan(span: Span, call: Call, error: unknown): void {
  const code = statusCodeOf(error);
  const tenant = call.values.get(tenantKey);
  if (tenant !== "") span.setAttribute("ragplane.tenant", tenant);
  const principal = call.values.get(principalKey);
  if (principal !== undefined) span.setAttribute("ragplane.principal", principal.subject);
  span.setAttribute("rpc.grpc.status_code", code);
  span.setAttribute("rpc.response.status_code", statusName(code));
  if (isServerFault(code)) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : statusName(code),
    });
  }
  span.end();
}

/**
 * A server stream whose every step runs in the span's context (so engine calls made
 * while producing a message are the span's children), ending the span when it ends.
 */
function inContext<T>(
  source: AsyncIterable<T>,
  active: Context,
  span: Span,
  call: Call,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = context.with(active, () => source[Symbol.asyncIterator]());
      let ended = false;
      const finish = (error: unknown): void => {
        if (ended) return;
        ended = true;
        endSpan(span, call, error);
      };
      return {
        async next() {
          try {
            const result = await context.with(active, () => iterator.next());
            if (result.done) finish(undefined);
            return result;
          } catch (error) {
            finish(error);
            throw error;
          }
        },
        async return(value?: unknown) {
          try {
            return (await iterator.return?.(value)) ?? { done: true, value: undefined };
          } finally {
            finish(undefined);
          }
        },
      };
    },
  };
}
