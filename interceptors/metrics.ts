import type { DescMethod } from "@bufbuild/protobuf";
import { type CallOutput, type Interceptor, type Protocol, whenSettled } from "./call.js";
import { statusCodeOf } from "./status-codes.js";

/** What the metrics step records of one method's calls; resolved once per method. */
export interface MethodMetrics {
  /** A call arrived. */
  started(protocol: Protocol): void;
  /** A call ended with a status code (0 for OK) after `seconds`. */
  finished(protocol: Protocol, code: number, seconds: number): void;
  /** A request of `bytes` arrived (as its `content-length` said). */
  requestBytes(protocol: Protocol, bytes: number): void;
  /** A server stream opened; `streamClosed` follows when it ends. */
  streamOpened(): void;
  /** A server stream ended, however it ended. */
  streamClosed(): void;
}

/** The RPC metrics a server keeps (Prometheus in production, see `server/telemetry`). */
export interface RpcMetrics {
  /** The recorder of one method's calls. */
  forMethod(method: DescMethod): MethodMetrics;
}

/** Security events counted by the authentication and rate-limit steps. */
export interface SecurityMetrics {
  /** A call failed authentication, for a reason from a small fixed set. */
  authenticationFailed(reason: string): void;
  /** A call was refused for an exhausted budget (`read`, `write` or `stream`). */
  rateLimited(budget: string): void;
}

/** Options of {@link createMetricsInterceptor}. */
export interface MetricsOptions {
  /** Where calls are counted and timed; the step passes calls through when absent. */
  readonly metrics?: RpcMetrics;
}

/**
 * Counts and times every call by service, method, status code and protocol, and keeps
 * the calls and server streams in flight. A server stream is timed until it ends. On
 * Connect and gRPC-Web the request's size is its `content-length`; the gRPC transport
 * records both directions' sizes itself, where it has the bytes.
 */
export function createMetricsInterceptor(options: MetricsOptions): Interceptor {
  const { metrics } = options;
  if (metrics === undefined) return (next) => next;
  return (next, method) => {
    const recorder = metrics.forMethod(method);
    return async (call, input) => {
      const started = performance.now();
      const protocol = call.protocol;
      recorder.started(protocol);
      if (protocol !== "grpc") {
        const length = Number(call.header("content-length"));
        if (length > 0) recorder.requestBytes(protocol, length);
      }
      let output: CallOutput;
      try {
        output = await next(call, input);
      } catch (error) {
        recorder.finished(protocol, statusCodeOf(error), (performance.now() - started) / 1000);
        throw error;
      }
      if (!output.stream) {
        recorder.finished(protocol, 0, (performance.now() - started) / 1000);
        return output;
      }
      recorder.streamOpened();
      return {
        stream: true,
        messages: whenSettled(output.messages, (error) => {
          recorder.streamClosed();
          recorder.finished(protocol, statusCodeOf(error), (performance.now() - started) / 1000);
        }),
      };
    };
  };
}
