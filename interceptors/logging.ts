import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Call, Interceptor } from "./call.js";
import { requestIdKey } from "./values.js";

/** Options of {@link createLoggingInterceptor}. */
export interface LoggingOptions {
  /** The server's logger. */
  readonly logger: Logger;
}

const serverFaults = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable]);

/**
 * Logs one line per finished call: method, protocol, code, duration and request id.
 * Successes log at debug, client errors at info, server faults at error, so the default
 * level stays quiet on the hot path. Streams are logged when they end.
 */
export function createLoggingInterceptor(options: LoggingOptions): Interceptor {
  const { logger } = options;
  return (next, method) => {
    const rpc = `${method.parent.typeName}/${method.name}`;
    const finish = (call: Call, started: bigint, error: unknown): void => {
      const code = error === undefined ? "ok" : codeName(error);
      const level =
        error === undefined ? "debug" : serverFaults.has(codeOf(error)) ? "error" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger[level](
        {
          rpc,
          protocol: call.protocol,
          code,
          durationMs,
          requestId: call.values.get(requestIdKey),
        },
        error instanceof Error ? error.message : "call finished",
      );
    };
    return async (call, input) => {
      const started = process.hrtime.bigint();
      try {
        const output = await next(call, input);
        if (!output.stream) {
          finish(call, started, undefined);
          return output;
        }
        return {
          stream: true,
          messages: logWhenDone(output.messages, (e) => finish(call, started, e)),
        };
      } catch (error) {
        finish(call, started, error);
        throw error;
      }
    };
  };
}

async function* logWhenDone<T>(
  source: AsyncIterable<T>,
  done: (error: unknown) => void,
): AsyncGenerator<T> {
  let failure: unknown;
  try {
    yield* source;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    done(failure);
  }
}

function codeOf(error: unknown): Code {
  return error instanceof ConnectError ? error.code : Code.Unknown;
}

function codeName(error: unknown): string {
  return Code[codeOf(error)] ?? "Unknown";
}
