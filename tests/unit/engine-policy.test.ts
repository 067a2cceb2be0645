import { describe, expect, it } from "vitest";
import {
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
} from "../../clients/errors.js";
import { setSignalDeadline } from "../../clients/resilience/deadline.js";
import {
  type BreakerState,
  EnginePolicy,
  type EnginePolicySettings,
} from "../../clients/resilience/engine-policy.js";

class Transient extends Error {}

const settings: EnginePolicySettings = {
  engine: "test-engine",
  attemptTimeoutMs: 200,
  retries: 3,
  backoff: { initialMs: 1, maxMs: 5 },
  breaker: { failures: 3, openMs: 50 },
  bulkhead: { maxInFlight: 2, maxQueued: 1 },
  isTransient: (error) => error instanceof Transient,
};

/** A call failing with `errors` in turn, then answering "ok"; counts its attempts. */
function flaky(...errors: Error[]) {
  let attempts = 0;
  const call = async () => {
    const error = errors[attempts++];
    if (error) throw error;
    return "ok";
  };
  return { call, attempts: () => attempts };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("EnginePolicy", () => {
  it("retries an idempotent call's transient failures until it succeeds", async () => {
    const policy = new EnginePolicy(settings);
    const engine = flaky(new Transient(), new Transient());
    expect(await policy.run(engine.call, { idempotent: true })).toBe("ok");
    expect(engine.attempts()).toBe(3);
  });

  it("never retries a call that is not idempotent, nor a domain outcome", async () => {
    const policy = new EnginePolicy(settings);
    const once = flaky(new Transient());
    await expect(policy.run(once.call, { idempotent: false })).rejects.toBeInstanceOf(Transient);
    expect(once.attempts()).toBe(1);
    const missing = flaky(new NotFoundError("point", "p"));
    await expect(policy.run(missing.call, { idempotent: true })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(missing.attempts()).toBe(1);
  });

  it("gives up after its retries", async () => {
    const policy = new EnginePolicy({ ...settings, breaker: { failures: 100, openMs: 50 } });
    const engine = flaky(...Array.from({ length: 10 }, () => new Transient()));
    await expect(policy.run(engine.call, { idempotent: true })).rejects.toBeInstanceOf(Transient);
    expect(engine.attempts()).toBe(4);
  });

  it("starts no retry its caller's deadline leaves no room for", async () => {
    const policy = new EnginePolicy({ ...settings, backoff: { initialMs: 1, maxMs: 100 } });
    const controller = new AbortController();
    setSignalDeadline(controller.signal, Date.now() + 150);
    const engine = flaky(new Transient(), new Transient());
    await expect(
      policy.run(engine.call, { idempotent: true, signal: controller.signal }),
    ).rejects.toBeInstanceOf(Transient);
    expect(engine.attempts()).toBe(1);
  });

  it("opens after consecutive faults, fails fast with a retry delay, and closes through a half-open probe", async () => {
    const states: BreakerState[] = [];
    const policy = new EnginePolicy(settings, { breakerChanged: (_, state) => states.push(state) });
    for (let i = 0; i < 3; i++) {
      await expect(
        policy.run(flaky(new Transient()).call, { idempotent: false }),
      ).rejects.toBeInstanceOf(Transient);
    }
    expect(policy.state).toBe("open");
    const untouched = flaky();
    const refused = await policy.run(untouched.call, { idempotent: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineUnavailableError);
    expect((refused as EngineUnavailableError).retryAfterMs).toBe(50);
    expect(untouched.attempts()).toBe(0);
    await sleep(60);
    expect(await policy.run(flaky().call, { idempotent: false })).toBe("ok");
    expect(policy.state).toBe("closed");
    expect(states).toEqual(["open", "half-open", "closed"]);
  });

  it("does not count domain outcomes or cancellations against the engine", async () => {
    const policy = new EnginePolicy(settings);
    for (let i = 0; i < 5; i++) {
      await policy
        .run(flaky(new NotFoundError("node", "n")).call, { idempotent: true })
        .catch(() => 0);
      const controller = new AbortController();
      const cancelled = policy.run(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(new Transient())),
          ),
        { idempotent: true, signal: controller.signal },
      );
      controller.abort();
      await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    }
    expect(policy.state).toBe("closed");
  });

  it("ends an attempt past its timeout with EngineTimeoutError, aborting its signal", async () => {
    const policy = new EnginePolicy({ ...settings, attemptTimeoutMs: 20, retries: 0 });
    let aborted = false;
    const hung = (signal: AbortSignal) =>
      new Promise<string>(() => {
        signal.addEventListener("abort", () => {
          aborted = true;
        });
      });
    await expect(policy.run(hung, { idempotent: false })).rejects.toBeInstanceOf(
      EngineTimeoutError,
    );
    expect(aborted).toBe(true);
  });

  it("times a hung engine out just before the caller's deadline, so its breaker opens", async () => {
    const policy = new EnginePolicy({
      ...settings,
      attemptTimeoutMs: 30_000,
      retries: 0,
      breaker: { failures: 3, openMs: 10_000 },
      bulkhead: { maxInFlight: 10, maxQueued: 0 },
    });
    const hung = () => new Promise<string>(() => undefined);
    const withDeadline = (ms: number) => {
      const signal = AbortSignal.timeout(ms);
      setSignalDeadline(signal, Date.now() + ms);
      return signal;
    };
    const calls = [1, 2, 3].map(() =>
      policy.run(hung, { idempotent: false, signal: withDeadline(1_150) }),
    );
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(EngineTimeoutError);
    expect(policy.state).toBe("open");
  });

  it("never counts a call whose own short deadline ended it", async () => {
    const policy = new EnginePolicy({ ...settings, attemptTimeoutMs: 30_000, retries: 0 });
    const hung = () => new Promise<string>(() => undefined);
    for (let i = 0; i < 4; i++) {
      const signal = AbortSignal.timeout(50);
      setSignalDeadline(signal, Date.now() + 50);
      await expect(policy.run(hung, { idempotent: false, signal })).rejects.toBeInstanceOf(
        EngineTimeoutError,
      );
    }
    expect(policy.state).toBe("closed");
  });

  it("rejects calls past its bulkhead at once", async () => {
    const rejected: string[] = [];
    const policy = new EnginePolicy(settings, {
      bulkheadRejected: (engine) => rejected.push(engine),
    });
    let release = () => {};
    const held = new Promise<string>((resolve) => {
      release = () => resolve("done");
    });
    const running = [1, 2, 3].map(() => policy.run(() => held, { idempotent: false }));
    const refused = await policy.run(flaky().call, { idempotent: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineUnavailableError);
    expect((refused as EngineUnavailableError).retryAfterMs).toBeGreaterThan(0);
    expect(rejected).toEqual(["test-engine"]);
    release();
    expect(await Promise.all(running)).toEqual(["done", "done", "done"]);
  });
});
