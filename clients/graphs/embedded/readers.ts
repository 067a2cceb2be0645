import { Worker } from "node:worker_threads";
import { EngineUnavailableError, throwIfAborted } from "../../errors.js";
import type {
  NeighborhoodsQuery,
  NeighborsQuery,
  PathResult,
  ShortestPathQuery,
  Subgraph,
} from "../port.js";
import {
  type ReaderInit,
  type ReaderJob,
  type ReaderReply,
  type ReaderResult,
  receivedError,
} from "./reader-protocol.js";

const engine = "graph store (sqlite)";
/**
 * The default nice value of reader threads: on a busy core the scheduler gives the event
 * loop (nice 0) about ten times their share, so cheap calls are served between traversals
 * (and, on a saturated core, traversals wait the longer).
 */
export const readerNice = 10;
/** How long a dead reader thread's replacement waits to start. */
const respawnDelayMs = 100;

/** A job waiting for, or running on, a reader thread. */
interface PendingJob {
  readonly job: ReaderJob;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (result: ReaderResult) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

/** One reader thread and the job it runs. */
interface Reader {
  readonly worker: Worker;
  readonly giveUp: Int32Array;
  running: PendingJob | undefined;
}

/**
 * A pool of reader threads that run the embedded graph store's traversals (Neighbors,
 * ShortestPath), each on its own read-only SQLite connection (WAL lets them read while
 * the owning thread writes; a traversal sees every batch committed before it started).
 * A traversal of hundreds of milliseconds then holds up no other call, and on a busy core
 * the threads run at a lower priority (nice {@link readerNice} by default) than the event loop. Jobs wait in
 * order for a free thread. A caller that cancels or runs out of time is answered at once;
 * its thread gives the traversal up at its next level and takes the next job. A thread
 * that dies is replaced.
 */
export class GraphReaders {
  private readonly readers: Reader[] = [];
  private readonly queue: PendingJob[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly dataDir: string,
    threads: number,
    private readonly nice: number,
  ) {
    for (let i = 0; i < threads; i++) this.readers.push(this.spawn());
  }

  /**
   * Starts `threads` reader threads on the graph database in `dataDir`, at nice value
   * `nice` (0 to 19; default {@link readerNice}).
   */
  static start(dataDir: string, threads: number, nice = readerNice): GraphReaders {
    return new GraphReaders(dataDir, threads, nice);
  }

  /** Runs Neighbors on a reader thread. */
  neighbors(tenant: string, query: NeighborsQuery, signal?: AbortSignal): Promise<Subgraph> {
    return this.run(
      { id: this.nextId++, tenant, operation: "neighbors", query },
      signal,
    ) as Promise<Subgraph>;
  }

  /** Runs one Neighbors per start on a reader thread, as one job. */
  neighborhoods(
    tenant: string,
    query: NeighborhoodsQuery,
    signal?: AbortSignal,
  ): Promise<Map<string, Subgraph>> {
    return this.run(
      { id: this.nextId++, tenant, operation: "neighborhoods", query },
      signal,
    ) as Promise<Map<string, Subgraph>>;
  }

  /** Runs ShortestPath on a reader thread. */
  shortestPath(
    tenant: string,
    query: ShortestPathQuery,
    signal?: AbortSignal,
  ): Promise<PathResult> {
    return this.run(
      { id: this.nextId++, tenant, operation: "shortestPath", query },
      signal,
    ) as Promise<PathResult>;
  }

  /** Stops every thread; waiting and running jobs fail with `EngineUnavailableError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.queue.splice(0)) fail(pending, new EngineUnavailableError(engine));
    await Promise.all(
      this.readers.splice(0).map(async (reader) => {
        if (reader.running) fail(reader.running, new EngineUnavailableError(engine));
        await reader.worker.terminate();
      }),
    );
  }

  private run(job: ReaderJob, signal: AbortSignal | undefined): Promise<ReaderResult> {
    if (this.closed) return Promise.reject(new EngineUnavailableError(engine));
    throwIfAborted(signal);
    return new Promise((resolve, reject) => {
      const pending: PendingJob = { job, signal, resolve, reject, settled: false };
      signal?.addEventListener("abort", () => this.abandon(pending), { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const reader of this.readers) {
      if (reader.running !== undefined) continue;
      let next = this.queue.shift();
      while (next?.settled) next = this.queue.shift();
      if (next === undefined) return;
      reader.running = next;
      reader.worker.ref();
      reader.worker.postMessage(next.job);
    }
  }

  /** The caller went away: answer it now, and have its thread give the job up. */
  private abandon(pending: PendingJob): void {
    if (pending.settled) return;
    try {
      throwIfAborted(pending.signal);
    } catch (error) {
      fail(pending, error);
    }
    const index = this.queue.indexOf(pending);
    if (index >= 0) this.queue.splice(index, 1);
    const reader = this.readers.find((candidate) => candidate.running === pending);
    if (reader) Atomics.store(reader.giveUp, 0, pending.job.id);
  }

  private spawn(): Reader {
    const init: ReaderInit = {
      dataDir: this.dataDir,
      cancelled: new SharedArrayBuffer(4),
      nice: this.nice,
    };
    const worker = new Worker(readerThreadUrl, {
      workerData: init,
      execArgv: fromSource ? ["--import", "tsx"] : [],
    });
    const reader: Reader = { worker, giveUp: new Int32Array(init.cancelled), running: undefined };
    worker.on("message", (reply: ReaderReply) => {
      const pending = reader.running;
      reader.running = undefined;
      worker.unref();
      if (pending && !pending.settled && pending.job.id === reply.id) {
        pending.settled = true;
        if ("error" in reply) pending.reject(receivedError(reply.error, engine));
        else pending.resolve(reply.result);
      }
      this.dispatch();
    });
    worker.on("error", (error) => {
      if (reader.running)
        fail(reader.running, new EngineUnavailableError(engine, { cause: error }));
      reader.running = undefined;
    });
    worker.on("exit", () => {
      const index = this.readers.indexOf(reader);
      if (index >= 0) this.readers.splice(index, 1);
      if (reader.running) fail(reader.running, new EngineUnavailableError(engine));
      if (this.closed) return;
      setTimeout(() => {
        if (this.closed) return;
        this.readers.push(this.spawn());
        this.dispatch();
      }, respawnDelayMs).unref();
    });
    worker.unref();
    return reader;
  }
}

function fail(pending: PendingJob, error: unknown): void {
  if (pending.settled) return;
  pending.settled = true;
  pending.reject(error);
}

/** Running from TypeScript source (tsx, vitest): the thread needs tsx's loader too. */
const fromSource = import.meta.url.endsWith(".ts");
const readerThreadUrl = new URL(`./reader-thread.${fromSource ? "ts" : "js"}`, import.meta.url);
