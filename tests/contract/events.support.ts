import { setTimeout as sleep } from "node:timers/promises";
import type { EventLog, NewEvent, ReadOptions, StoredEvent } from "../../clients/events/port.js";

const utf8 = new TextEncoder();

/** A new event whose payload is its id, so reads can be checked against publishes. */
export function event(id: string, extra: Partial<NewEvent> = {}): NewEvent {
  return { id, payload: utf8.encode(`payload of ${id}`), ...extra };
}

/** The ids of events, in order. */
export function ids(events: readonly { readonly id: string }[]): string[] {
  return events.map((e) => e.id);
}

/**
 * Reads until `count` events have arrived or `waitMs` has passed, then stops the read and
 * returns what arrived. Engines may make appends visible with a delay, so tests wait.
 */
export async function take(
  log: EventLog,
  tenant: string,
  topic: string,
  options: ReadOptions,
  count: number,
  waitMs: number,
): Promise<StoredEvent[]> {
  const subscription = subscribe(log, tenant, topic, options);
  try {
    return await subscription.waitFor(count, waitMs).catch(() => subscription.received.slice());
  } finally {
    await subscription.stop();
  }
}

/**
 * Reads until an event with id `lastId` arrives (or `waitMs` passes) and returns everything
 * read up to it: with one partition, exactly the events stored before it.
 */
export async function readUntil(
  log: EventLog,
  tenant: string,
  topic: string,
  lastId: string,
  waitMs: number,
): Promise<StoredEvent[]> {
  const subscription = subscribe(log, tenant, topic, { start: { kind: "beginning" } });
  try {
    const deadline = Date.now() + waitMs;
    while (!subscription.received.some((e) => e.id === lastId) && Date.now() < deadline) {
      await sleep(2);
    }
    return subscription.received.slice();
  } finally {
    await subscription.stop();
  }
}

/** A read running in the background, recording what it receives and when. */
export interface Subscription {
  /** Events received so far, in arrival order. */
  readonly received: StoredEvent[];
  /** `performance.now()` at each arrival. */
  readonly arrivals: number[];
  /** Resolves with all events once at least `count` have arrived; rejects after `waitMs`. */
  waitFor(count: number, waitMs: number): Promise<StoredEvent[]>;
  /**
   * Aborts the read with `reason` (a plain cancel when absent) and resolves with the
   * error the iteration threw, or undefined if it ended without one.
   */
  stop(reason?: unknown): Promise<unknown>;
}

/** Starts reading `topic` in the background. */
export function subscribe(
  log: EventLog,
  tenant: string,
  topic: string,
  options: ReadOptions,
): Subscription {
  const controller = new AbortController();
  const received: StoredEvent[] = [];
  const arrivals: number[] = [];
  let failure: unknown;
  let finished = false;
  const done = (async () => {
    try {
      for await (const stored of log.read(tenant, topic, options, controller.signal)) {
        received.push(stored);
        arrivals.push(performance.now());
      }
    } catch (error) {
      failure = error;
    } finally {
      finished = true;
    }
  })();
  return {
    received,
    arrivals,
    async waitFor(count, waitMs) {
      const deadline = Date.now() + waitMs;
      while (received.length < count) {
        if (finished)
          throw new Error(`read ended after ${received.length} events`, { cause: failure });
        if (Date.now() >= deadline) {
          throw new Error(`got ${received.length} of ${count} events within ${waitMs} ms`);
        }
        await sleep(1);
      }
      return received.slice();
    },
    async stop(reason) {
      controller.abort(reason);
      await done;
      return failure;
    },
  };
}

/** Resolves with the error `promise` rejects with; fails if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got a result");
}

/** A fresh tenant per test, so tests never share state, even on a long-lived engine. */
export function tenantFactory(prefix: string): () => string {
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let next = 0;
  return () => `${prefix}-${run}-${++next}`;
}

/**
 * Starts a read and resolves with the error its iteration fails with (e.g. an unknown
 * topic). A read that instead waits `waitMs` is aborted, and resolves with that error.
 */
export async function readFailure(
  log: EventLog,
  tenant: string,
  topic: string,
  options: ReadOptions,
  waitMs: number,
): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), waitMs);
  try {
    for await (const stored of log.read(tenant, topic, options, controller.signal)) {
      return new Error(`expected the read to fail, got event ${stored.id}`);
    }
    return new Error("expected the read to fail, it ended");
  } catch (error) {
    return error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
