/**
 * A load process of the noisy-neighbour benchmark, forked by `load-process.ts` and pinned
 * to the load core: one grpc-js channel to ragplane with one tenant's credentials, driven
 * over IPC (see `load-messages.ts`). It exits when its parent goes away.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { status as Status } from "@grpc/grpc-js";
import { BytesClient } from "../grpc-client.js";
import { runOnSchedule } from "../schedule.js";
import {
  type CallKind,
  type KindTally,
  type LoadReply,
  type LoadRequest,
  type LoadResult,
  lateStartMs,
} from "./load-messages.js";
import { retryDelayMs } from "./retry-delay.js";

/** Tallies one kind's calls: statuses, and the latency of the OK ones. */
class Tally {
  readonly statuses: Record<string, number> = {};
  readonly #latencies: number[] = [];
  #next = 0;

  constructor(readonly kind: CallKind) {}

  /** The next request of the kind, round and round. */
  nextRequest(): Buffer {
    const request = this.kind.requests[this.#next++ % this.kind.requests.length]!;
    return Buffer.from(request.buffer, request.byteOffset, request.byteLength);
  }

  record(status: string, latencyMs: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status === "OK") this.#latencies.push(latencyMs);
  }

  result(): KindTally {
    const calls = Object.values(this.statuses).reduce((total, count) => total + count, 0);
    return {
      name: this.kind.name,
      calls,
      statuses: { ...this.statuses },
      okLatenciesMs: Float64Array.from(this.#latencies),
    };
  }
}

/** A running set of closed loops. */
interface ClosedRun {
  readonly tallies: readonly Tally[];
  readonly workers: Promise<unknown>;
  readonly started: number;
  readonly control: { stopping: boolean };
}

/** The load process's side of the requests in `load-messages.ts`. */
class LoadDriver {
  #client: BytesClient | undefined;
  #kinds: readonly CallKind[] = [];
  #closed: ClosedRun | undefined;

  async answer(request: LoadRequest): Promise<LoadResult | undefined> {
    switch (request.type) {
      case "setup":
        this.#client?.close();
        this.#client = new BytesClient(request.address, request.headers);
        this.#kinds = request.kinds;
        await this.#client.ready();
        return undefined;
      case "start":
        this.#start(request.kinds, request.concurrency);
        return undefined;
      case "stop":
        return await this.#stop();
      case "schedule":
        return await this.#schedule(request.rate, request.durationMs);
    }
  }

  #start(names: readonly string[], concurrency: number): void {
    if (this.#closed !== undefined) throw new Error("closed loops are already running");
    const tallies = names.map((name) => new Tally(this.#kindNamed(name)));
    const control = { stopping: false };
    const worker = async (tally: Tally): Promise<void> => {
      while (!control.stopping) {
        const retryAfterMs = await this.#callOnce(tally, performance.now());
        if (retryAfterMs !== undefined && !control.stopping) await sleep(retryAfterMs);
      }
    };
    const workers = Promise.all(
      tallies.flatMap((tally) => Array.from({ length: concurrency }, () => worker(tally))),
    );
    this.#closed = { tallies, workers, started: performance.now(), control };
  }

  async #stop(): Promise<LoadResult> {
    const run = this.#closed;
    if (run === undefined) throw new Error("no closed loops are running");
    run.control.stopping = true;
    await run.workers;
    this.#closed = undefined;
    return {
      kinds: run.tallies.map((tally) => tally.result()),
      elapsedMs: performance.now() - run.started,
      maxStartLagMs: 0,
      lateStarts: 0,
    };
  }

  async #schedule(rate: number, durationMs: number): Promise<LoadResult> {
    const tallies = this.#kinds.map((kind) => new Tally(kind));
    const { elapsedMs, maxStartLagMs, lateStarts } = await runOnSchedule(
      rate,
      durationMs,
      lateStartMs,
      (i, due) => this.#callOnce(tallies[i % tallies.length]!, due),
    );
    return {
      kinds: tallies.map((tally) => tally.result()),
      elapsedMs,
      maxStartLagMs,
      lateStarts,
    };
  }

  /**
   * Makes one call of `tally`'s kind and records its status and its latency from
   * `startedAt` (the scheduled start in an open loop). Returns the delay a refused call
   * was asked to wait before the next one, if any.
   */
  async #callOnce(tally: Tally, startedAt: number): Promise<number | undefined> {
    if (this.#client === undefined) throw new Error("setup has not run");
    let status = "OK";
    let retryAfterMs: number | undefined;
    try {
      await this.#client.call(tally.kind.path, tally.nextRequest());
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      status = typeof code === "number" ? (Status[code] ?? `code ${code}`) : "CLIENT_ERROR";
      retryAfterMs = retryDelayMs(error);
    }
    tally.record(status, performance.now() - startedAt);
    return retryAfterMs;
  }

  #kindNamed(name: string): CallKind {
    const kind = this.#kinds.find((candidate) => candidate.name === name);
    if (kind === undefined) throw new Error(`no call kind ${name}`);
    return kind;
  }
}

const send = (reply: LoadReply): void => {
  process.send?.(reply);
};
process.on("disconnect", () => process.exit(1));
const driver = new LoadDriver();
process.on("message", (request: LoadRequest) => {
  driver.answer(request).then(
    (result) => send(result === undefined ? { type: "done" } : { type: "done", result }),
    (error: unknown) => send({ type: "failed", error: String(error) }),
  );
});
send({ type: "done" });
