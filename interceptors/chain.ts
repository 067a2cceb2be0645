import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { AuditLog } from "../security/audit/port.js";
import type { ReadAuditing } from "../security/audit/tenant-settings.js";
import type { Authenticators } from "../security/authenticators.js";
import type { RateLimiter } from "../security/rate-limit/port.js";
import type { RefusalBudget } from "../security/rate-limit/refusals.js";
import type { Validator } from "../server/validation/violations.js";
import { createAuthenticationInterceptor } from "./authentication.js";
import { createAuthorizationInterceptor } from "./authorization.js";
import type { Interceptor } from "./call.js";
import { createDataAccessAuditInterceptor } from "./data-access-audit.js";
import { createDeadlineInterceptor, type DeadlineOptions } from "./deadline.js";
import { createErrorMappingInterceptor } from "./error-mapping.js";
import { createExpensiveCallLimitInterceptor } from "./expensive-calls.js";
import { createLoggingInterceptor } from "./logging.js";
import { createMetricsInterceptor, type RpcMetrics, type SecurityMetrics } from "./metrics.js";
import { createRateLimitInterceptor } from "./rate-limit.js";
import { createRequestIdInterceptor } from "./request-id.js";
import { createStreamLimitInterceptor, type StreamLimitOptions } from "./stream-limit.js";
import { createTracingInterceptor } from "./tracing.js";
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
  /** Where security events and data access are recorded. */
  readonly audit: AuditLog;
  /** Which tenants' reads are recorded; no reads are, when absent. */
  readonly readAuditing?: ReadAuditing;
  /** Per-tenant and per-principal budgets. */
  readonly limiter: RateLimiter;
  /** Caps on server streams open at once. */
  readonly streamLimits: StreamLimitOptions;
  /** Expensive calls a tenant may run at once; no limit when absent. */
  readonly expensiveCallsPerTenant?: number;
  /** Where spans are made; no tracing when absent (the default: no OTLP endpoint). */
  readonly tracer?: Tracer;
  /** Where calls are counted and timed; none when absent. */
  readonly metrics?: RpcMetrics;
  /** Where authentication failures and rate-limit refusals are counted; none when absent. */
  readonly securityMetrics?: SecurityMetrics;
  /** The budget refused calls (unauthenticated, denied) draw from; unlimited when absent. */
  readonly refusals?: RefusalBudget;
}

/**
 * THE interceptor chain, outermost first. Both transports apply exactly this list to
 * every product RPC; nothing else decides the order. Scopes and budgets per RPC are in
 * the table next to it, `policy.ts`.
 */
export function createChain(options: ChainOptions): Interceptor[] {
  const { logger, audit } = options;
  const refusals = options.refusals === undefined ? {} : { refusals: options.refusals };
  const securityMetrics =
    options.securityMetrics === undefined ? {} : { metrics: options.securityMetrics };
  return [
    createRequestIdInterceptor(),
    createTracingInterceptor(options.tracer === undefined ? {} : { tracer: options.tracer }),
    createLoggingInterceptor({ logger }),
    createMetricsInterceptor(options.metrics === undefined ? {} : { metrics: options.metrics }),
    createErrorMappingInterceptor({ logger }),
    createDeadlineInterceptor(options.deadlines),
    createAuthenticationInterceptor({
      authenticators: options.authenticators,
      audit,
      ...securityMetrics,
      ...refusals,
    }),
    createAuthorizationInterceptor({ audit, ...securityMetrics, ...refusals }),
    createRateLimitInterceptor({ limiter: options.limiter, audit, ...securityMetrics }),
    createStreamLimitInterceptor(options.streamLimits),
    createValidationInterceptor({ validators: options.validators }),
    createDataAccessAuditInterceptor({
      audit,
      ...(options.readAuditing === undefined ? {} : { readAuditing: options.readAuditing }),
    }),
    createExpensiveCallLimitInterceptor({
      maxPerTenant: options.expensiveCallsPerTenant ?? 0,
      ...securityMetrics,
    }),
  ];
}
