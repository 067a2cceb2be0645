import { setTimeout as sleep } from "node:timers/promises";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { EventsService } from "../../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../../gen/ragplane/v1/vectors_pb.js";

/** The calls of the mixed load: three writes and two reads. */
export const loadOperations = ["publish", "upsert", "search", "upsertNodes", "neighbors"] as const;

/** One call of the mixed load. */
export type LoadOperation = (typeof loadOperations)[number];

/** The writes among {@link loadOperations}: what was acknowledged must be readable later. */
export type WriteOperation = "publish" | "upsert" | "upsertNodes";

/** How one call ended. */
export interface CallRecord {
  readonly operation: LoadOperation;
  /** When it started and ended, in `performance.now()` ms. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** `OK` or the gRPC code's name, e.g. `Unavailable`. */
  readonly code: string;
  /** The server had not answered `deadlineMs + marginMs` after the call started. */
  readonly hung: boolean;
}

/** The clients of the three data services, all through one transport. */
export interface LoadClients {
  readonly events: Client<typeof EventsService>;
  readonly vectors: Client<typeof VectorsService>;
  readonly graphs: Client<typeof GraphsService>;
}

/** Where the load writes and what bounds each call. */
export interface MixedLoadOptions {
  /** Prefix of every id written, unique to the run. */
  readonly run: string;
  /** The topic, collection (dimension 4) and node whose neighbours are read; they must exist. */
  readonly topic: string;
  readonly collection: string;
  readonly hubNode: string;
  /** The server's deadline of every call (its READ_TIMEOUT_MS / WRITE_TIMEOUT_MS). */
  readonly deadlineMs: number;
  /** Slack on top of the deadline before a call counts as hung and is cancelled. */
  readonly marginMs: number;
  /** Concurrent loops per operation. Default 2. */
  readonly loopsPerOperation?: number;
  /** How often a loop starts a call, in ms, however fast calls fail. Default 40. */
  readonly periodMs?: number;
}

/** The three service clients over `transport`. */
export function loadClients(transport: Transport): LoadClients {
  return {
    events: createClient(EventsService, transport),
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
  };
}

/**
 * A steady mixed load on the data services: a few loops per operation, each starting one
 * call at a time at a steady pace (failing fast does not make a loop call more often),
 * each write with an id of its own. The
 * calls carry no deadline of their own, so the server's default deadline is the one that
 * ends them: the client only waits `deadlineMs + marginMs`, and a call it has to give up
 * on is recorded as hung. Every call is recorded, and every acknowledged write's id kept.
 */
export class MixedLoad {
  readonly #clients: LoadClients;
  readonly #options: MixedLoadOptions;
  readonly #records: CallRecord[] = [];
  readonly #acked = new Map<WriteOperation, string[]>([
    ["publish", []],
    ["upsert", []],
    ["upsertNodes", []],
  ]);
  #written = 0;
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(clients: LoadClients, options: MixedLoadOptions) {
    this.#clients = clients;
    this.#options = options;
  }

  /** Every call recorded so far, in the order they ended. */
  get records(): readonly CallRecord[] {
    return this.#records;
  }

  /** The ids of the writes of `operation` the server acknowledged. */
  acked(operation: WriteOperation): readonly string[] {
    return this.#acked.get(operation) ?? [];
  }

  /** Starts every loop. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const loops = this.#options.loopsPerOperation ?? 2;
    for (const operation of loadOperations) {
      for (let loop = 0; loop < loops; loop++) this.#loops.push(this.#loop(operation));
    }
  }

  /** Stops the loops after their calls in flight end. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  async #loop(operation: LoadOperation): Promise<void> {
    const periodMs = this.#options.periodMs ?? 40;
    while (this.#running) {
      const startedAt = performance.now();
      await this.#call(operation);
      await sleep(Math.max(0, startedAt + periodMs - performance.now()));
    }
  }

  async #call(operation: LoadOperation): Promise<void> {
    const { deadlineMs, marginMs } = this.#options;
    const guard = AbortSignal.timeout(deadlineMs + marginMs);
    const startedAt = performance.now();
    let code = "OK";
    try {
      const acked = await this.#send(operation, guard);
      if (acked !== undefined) this.#acked.get(operation as WriteOperation)?.push(acked);
    } catch (error) {
      code = Code[ConnectError.from(error).code];
    }
    this.#records.push({
      operation,
      startedAt,
      endedAt: performance.now(),
      code,
      hung: guard.aborted,
    });
  }

  /** Makes one call; resolves with the id written when it was a write. */
  async #send(operation: LoadOperation, signal: AbortSignal): Promise<string | undefined> {
    const { events, vectors, graphs } = this.#clients;
    const { run, topic, collection, hubNode } = this.#options;
    const options = { signal };
    const id = `${run}-${operation}-${++this.#written}`;
    switch (operation) {
      case "publish": {
        const { acks } = await events.publish({ topic, events: [{ id }] }, options);
        return acks[0]?.id === id ? id : undefined;
      }
      case "upsert":
        await vectors.upsert(
          { collection, points: [{ id, vector: vectorOf(this.#written) }] },
          options,
        );
        return id;
      case "search":
        await vectors.search({ collection, vector: vectorOf(this.#written), limit: 5 }, options);
        return undefined;
      case "upsertNodes":
        await graphs.upsertNodes({ nodes: [{ id, labels: ["Fault"] }] }, options);
        return id;
      case "neighbors":
        await graphs.neighbors({ nodeId: hubNode }, options);
        return undefined;
    }
  }
}

/** A 4-dimensional vector that differs from call to call. */
function vectorOf(n: number): number[] {
  return [1, (n % 7) / 7, (n % 11) / 11, (n % 13) / 13];
}
