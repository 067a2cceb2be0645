import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
  ShuttingDownError,
  UnfilterableFieldError,
} from "../clients/errors.js";
import {
  PreconditionFailureSchema,
  QuotaFailureSchema,
  RetryInfoSchema,
} from "../gen/google/rpc/error_details_pb.js";
import {
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitedError,
  UnauthenticatedError,
} from "../security/errors.js";
import { type Call, type CallOutput, type Interceptor, mapStreamErrors } from "./call.js";
import { invalidArgument } from "./validation.js";
import { requestIdOf } from "./values.js";

/** Options of {@link createErrorMappingInterceptor}. */
export interface ErrorMappingOptions {
  /** Where unexpected errors are logged with their cause. */
  readonly logger: Logger;
}

/**
 * Turns every error that leaves the service into a `ConnectError` with a deliberate
 * code: domain errors map to their API codes, anything unexpected becomes INTERNAL
 * with the cause logged (with the request id) and never sent. Stream errors too.
 */
export function createErrorMappingInterceptor(options: ErrorMappingOptions): Interceptor {
  const { logger } = options;
  return (next) => async (call, input) => {
    let output: CallOutput;
    try {
      output = await next(call, input);
    } catch (error) {
      throw withRequestId(toConnectError(error, call, logger), call);
    }
    if (!output.stream) return output;
    return {
      stream: true,
      messages: mapStreamErrors(output.messages, (error) =>
        withRequestId(toConnectError(error, call, logger), call),
      ),
    };
  };
}

/** Adds the call's request id to an error's metadata, so every failure can be traced. */
function withRequestId(error: ConnectError, call: Call): ConnectError {
  const requestId = requestIdOf(call);
  if (requestId !== "" && !error.metadata.has("x-request-id")) {
    error.metadata.set("x-request-id", requestId);
  }
  return error;
}

/** Maps any thrown value to the `ConnectError` the client will see. */
export function toConnectError(error: unknown, call: Call, logger: Logger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof AlreadyExistsError) {
    return new ConnectError(error.message, Code.AlreadyExists);
  }
  if (error instanceof PreconditionError) {
    const violation = { type: "STATE", subject: error.field ?? "", description: error.message };
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [
      { desc: PreconditionFailureSchema, value: { violations: [violation] } },
    ]);
  }
  if (error instanceof UnfilterableFieldError) {
    return invalidArgument([{ field: error.field, description: error.message }]);
  }
  if (error instanceof ShuttingDownError) return new ConnectError(error.message, Code.Unavailable);
  if (error instanceof EngineUnavailableError) {
    logger.warn(
      { err: error.cause, engine: error.engine, requestId: requestIdOf(call) },
      "engine unavailable",
    );
    if (error.retryAfterMs === undefined) return new ConnectError(error.message, Code.Unavailable);
    return withRetryDelay(error.message, Code.Unavailable, error.retryAfterMs);
  }
  if (error instanceof EngineTimeoutError) {
    return new ConnectError("deadline exceeded", Code.DeadlineExceeded);
  }
  if (error instanceof CancelledError) return new ConnectError("call cancelled", Code.Canceled);
  if (error instanceof UnauthenticatedError) {
    return new ConnectError(`unauthenticated: ${error.reason}`, Code.Unauthenticated);
  }
  if (error instanceof PermissionDeniedError) {
    return new ConnectError(error.message, Code.PermissionDenied);
  }
  if (error instanceof RateLimitedError) return rateLimited(error);
  if (error instanceof QuotaExceededError) return quotaExceeded(error);
  const requestId = requestIdOf(call);
  logger.error({ err: error, requestId, method: call.method.name }, "unexpected error");
  return new ConnectError(`internal error (request id ${requestId})`, Code.Internal);
}

function rateLimited(error: RateLimitedError): ConnectError {
  return withRetryDelay(error.message, Code.ResourceExhausted, error.retryAfterMs);
}

/** An error with `google.rpc.RetryInfo` and a `retry-after` header (whole seconds, at least 1). */
function withRetryDelay(message: string, code: Code, retryAfterMs: number): ConnectError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const delayMs = Math.max(0, Math.ceil(retryAfterMs));
  const retryDelay = {
    seconds: BigInt(Math.floor(delayMs / 1000)),
    nanos: (delayMs % 1000) * 1_000_000,
  };
  return new ConnectError(message, code, { "retry-after": String(seconds) }, [
    { desc: RetryInfoSchema, value: { retryDelay } },
  ]);
}

/** RESOURCE_EXHAUSTED with the quota in `google.rpc.QuotaFailure`, and no RetryInfo. */
function quotaExceeded(error: QuotaExceededError): ConnectError {
  const violation = {
    subject: `tenant:${error.tenant}`,
    description: error.message,
    quotaId: error.resource,
    quotaMetric: `ragplane.io/${error.resource}`,
    quotaDimensions: { tenant: error.tenant },
    quotaValue: BigInt(error.limit),
  };
  return new ConnectError(error.message, Code.ResourceExhausted, undefined, [
    { desc: QuotaFailureSchema, value: { violations: [violation] } },
  ]);
}
