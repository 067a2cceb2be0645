import { EngineUnavailableError } from "../clients/errors.js";
import type { BudgetClass, LimitDecision, RateLimiter } from "../security/rate-limit/port.js";
import type { RevocationList } from "../security/revocation/port.js";

/**
 * Limits in process memory until the shared limiter (on Redis) is ready, then through
 * it. The shared limiter itself falls back to memory whenever Redis stops answering.
 */
export class SwitchingRateLimiter implements RateLimiter {
  #current: RateLimiter;
  #shared: RateLimiter | undefined;
  #closed = false;

  constructor(
    private readonly local: RateLimiter,
    shared: Promise<RateLimiter> | undefined,
    onError: (error: unknown) => void,
  ) {
    this.#current = local;
    shared?.then(async (limiter) => {
      if (this.#closed) {
        await limiter.close();
        return;
      }
      this.#shared = limiter;
      this.#current = limiter;
    }, onError);
  }

  consume(budget: BudgetClass, tenant: string, principal: string): Promise<LimitDecision> {
    return this.#current.consume(budget, tenant, principal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.local.close(), this.#shared?.close()]);
  }
}

/**
 * The Redis denylist once Redis is connected. Until then nothing is known to be revoked
 * (tokens are short-lived; the gap is the start-up of a replica whose Redis is down) and
 * revoking answers UNAVAILABLE.
 */
export class PendingRevocationList implements RevocationList {
  #list: RevocationList | undefined;
  #closed = false;

  constructor(list: Promise<RevocationList>, onError: (error: unknown) => void) {
    list.then(async (ready) => {
      if (this.#closed) {
        await ready.close();
        return;
      }
      this.#list = ready;
    }, onError);
  }

  /** False until the list behind it is ready and has loaded the shared denylist. */
  get loaded(): boolean {
    return this.#list?.loaded ?? false;
  }

  isRevoked(jti: string): boolean {
    return this.#list?.isRevoked(jti) ?? false;
  }

  revoke(jti: string, expiresAt: number, signal?: AbortSignal): Promise<void> {
    if (this.#list === undefined) return Promise.reject(new EngineUnavailableError("redis"));
    return this.#list.revoke(jti, expiresAt, signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#list?.close();
  }
}
