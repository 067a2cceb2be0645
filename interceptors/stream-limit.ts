import { RateLimitedError } from "../security/errors.js";
import { type Interceptor, whenSettled } from "./call.js";
import { principalKey } from "./values.js";

/** Options of {@link createStreamLimitInterceptor}; 0 switches a limit off. */
export interface StreamLimitOptions {
  /** Server streams one principal may hold open at once (per process). */
  readonly maxPerPrincipal: number;
  /** Server streams one tenant may hold open at once (per process). */
  readonly maxPerTenant: number;
}

/** How long a refused caller is asked to wait before opening another stream. */
const retryAfterMs = 1_000;

/**
 * Caps how many server streams (Subscribe) a principal and a tenant hold open at once,
 * on top of the rate of opening them that the stream budget limits: a stream may last a
 * day, so a rate alone would let a caller pile up thousands. Over the cap the call is
 * RESOURCE_EXHAUSTED with a retry delay; a slot frees when its stream ends, however it
 * ends. Other methods pass through untouched.
 */
export function createStreamLimitInterceptor(options: StreamLimitOptions): Interceptor {
  const open = new Map<string, number>();
  const take = (key: string, max: number): boolean => {
    if (max === 0) return true;
    const count = open.get(key) ?? 0;
    if (count >= max) return false;
    open.set(key, count + 1);
    return true;
  };
  const release = (key: string, max: number): void => {
    if (max === 0) return;
    const count = (open.get(key) ?? 1) - 1;
    if (count <= 0) open.delete(key);
    else open.set(key, count);
  };
  return (next, method) => {
    if (method.methodKind !== "server_streaming") return next;
    return async (call, input) => {
      const principal = call.values.get(principalKey);
      if (principal === undefined) return next(call, input);
      const tenantSlot = `t\n${principal.tenant}`;
      const principalSlot = `p\n${principal.tenant}\n${principal.subject}`;
      if (!take(tenantSlot, options.maxPerTenant)) {
        throw new RateLimitedError("open streams per tenant", retryAfterMs);
      }
      if (!take(principalSlot, options.maxPerPrincipal)) {
        release(tenantSlot, options.maxPerTenant);
        throw new RateLimitedError("open streams per principal", retryAfterMs);
      }
      const free = (): void => {
        release(principalSlot, options.maxPerPrincipal);
        release(tenantSlot, options.maxPerTenant);
      };
      try {
        const output = await next(call, input);
        if (!output.stream) {
          free();
          return output;
        }
        return { stream: true, messages: whenSettled(output.messages, free) };
      } catch (error) {
        free();
        throw error;
      }
    };
  };
}
