import type { Logger } from "pino";
import type { AuditLog } from "../security/audit/port.js";
import type { Authenticators } from "../security/authenticators.js";
import type { RateLimiter } from "../security/rate-limit/port.js";
import type { Validator } from "../server/validation/violations.js";
import { createAuthenticationInterceptor } from "./authentication.js";
import { createAuthorizationInterceptor } from "./authorization.js";
import type { Interceptor } from "./call.js";
import { createDeadlineInterceptor, type DeadlineOptions } from "./deadline.js";
import { createErrorMappingInterceptor } from "./error-mapping.js";
import { createLoggingInterceptor } from "./logging.js";
import { createRateLimitInterceptor } from "./rate-limit.js";
import { createRequestIdInterceptor } from "./request-id.js";
import { createStreamLimitInterceptor, type StreamLimitOptions } from "./stream-limit.js";
import { createValidationInterceptor } from "./validation.js";

/** What the chain needs to be built. */
export interface ChainOptions {
  /** The server's logger. */
  readonly logger: Logger;
  /** Deadline defaults and caps per RPC class. */
  readonly deadlines: DeadlineOptions;
  /** Request validators by method key (see `methodKey`). */
  readonly validators: ReadonlyMap<string, Validator<never>>;
  /** The enabled authentication methods. */
  readonly authenticators: Authenticators;
  /** Where security events are recorded. */
  readonly audit: AuditLog;
  /** Per-tenant and per-principal budgets. */
  readonly limiter: RateLimiter;
  /** Caps on server streams open at once. */
  readonly streamLimits: StreamLimitOptions;
}

/**
 * THE interceptor chain, outermost first. Both transports apply exactly this list to
 * every product RPC; nothing else decides the order. Scopes and budgets per RPC are in
 * the table next to it, `policy.ts`.
 */
export function createChain(options: ChainOptions): Interceptor[] {
  const { logger, audit } = options;
  return [
    createRequestIdInterceptor(),
    createLoggingInterceptor({ logger }),
    createErrorMappingInterceptor({ logger }),
    createDeadlineInterceptor(options.deadlines),
    createAuthenticationInterceptor({ authenticators: options.authenticators, audit }),
    createAuthorizationInterceptor({ audit }),
    createRateLimitInterceptor({ limiter: options.limiter, audit }),
    createStreamLimitInterceptor(options.streamLimits),
    createValidationInterceptor({ validators: options.validators }),
  ];
}
