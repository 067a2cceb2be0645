/**
 * The Node load process of the load benchmark, forked by `load-process.ts` and pinned to
 * the load core: typed connect-es clients of the four call families over Connect JSON
 * (HTTP/1.1) or gRPC (grpc-js), driven over IPC (see `load-messages.ts`). It exits when
 * its parent goes away.
 */
import { Agent } from "node:http";
import { performance } from "node:perf_hooks";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import { runOnSchedule } from "../schedule.js";
import type {
  ClientSpec,
  LoadProgress,
  LoadReply,
  LoadRequest,
  LoadRunResult,
  LoadWindow,
} from "./load-messages.js";
import { lateStartMs } from "./load-messages.js";
import { type CallType, callTypes, type PerCallType, weightedSequence } from "./mix.js";
import { RequestSource } from "./requests.js";
import { Tally } from "./tally.js";

/** One client: typed stubs on a transport, and the requests it sends. */
class LoadClient {
  readonly #vectors: Client<typeof VectorsService>;
  readonly #events: Client<typeof EventsService>;
  readonly #graphs: Client<typeof GraphsService>;
  readonly #source: RequestSource;
  readonly #close: () => void;

  constructor(readonly spec: ClientSpec) {
    const { transport, close } = openTransport(spec);
    const authorized = withHeaders(transport, spec.plan.headers);
    this.#vectors = createClient(VectorsService, authorized);
    this.#events = createClient(EventsService, authorized);
    this.#graphs = createClient(GraphsService, authorized);
    this.#source = new RequestSource(spec.plan, `${spec.name}-${process.pid}`);
    this.#close = close;
  }

  /** One call of `type`, recorded in `tally` with its latency from `startedAt`. */
  async call(type: CallType, tally: Tally, startedAt: number): Promise<void> {
    let status = "OK";
    let message = "";
    try {
      await this.#send(type);
    } catch (error) {
      status = error instanceof ConnectError ? Code[error.code] : "ClientError";
      message = error instanceof Error ? error.message : String(error);
    }
    tally.record(status, performance.now() - startedAt, message);
  }

  close(): void {
    this.#close();
  }

  async #send(type: CallType): Promise<unknown> {
    const source = this.#source;
    switch (type) {
      case "Search":
        return await this.#vectors.search(source.search());
      case "GetCollection":
        return await this.#vectors.getCollection(source.getCollection());
      case "Neighbors":
        return await this.#graphs.neighbors(source.neighbors());
      case "Publish":
        return await this.#events.publish(source.publish());
      case "Upsert":
        return await this.#vectors.upsert(source.upsert());
      case "UpsertNodes":
        return await this.#graphs.upsertNodes(source.upsertNodes());
    }
  }
}

function openTransport(spec: ClientSpec): { transport: Transport; close: () => void } {
  if (spec.protocol === "grpc") {
    const transport = createGrpcJsTransport(spec.address);
    return { transport, close: () => transport.close() };
  }
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const transport = createConnectTransport({
    baseUrl: spec.address,
    httpVersion: "1.1",
    useBinaryFormat: false,
    nodeOptions: { agent },
  });
  return { transport, close: () => agent.destroy() };
}

/** The load process's side of the requests in `load-messages.ts`. */
class LoadDriver {
  readonly #clients = new Map<string, LoadClient>();
  #current: Tally[] = [];

  async answer(request: LoadRequest): Promise<Omit<LoadReply & { type: "done" }, "id">> {
    switch (request.type) {
      case "setup":
        for (const client of this.#clients.values()) client.close();
        this.#clients.clear();
        for (const spec of request.clients) this.#clients.set(spec.name, new LoadClient(spec));
        return { type: "done" };
      case "closed":
        return {
          type: "done",
          result: await this.#closed(request.client, request.concurrency, request.window),
        };
      case "scheduled":
        return {
          type: "done",
          result: await this.#scheduled(request.clients, request.rate, request.durationMs),
        };
      case "progress":
        return { type: "done", progress: this.#progress() };
    }
  }

  async #closed(
    name: string,
    concurrency: PerCallType<number>,
    window: LoadWindow,
  ): Promise<LoadRunResult> {
    const client = this.#client(name);
    const tallies = callTypes.map((type) => new Tally(type));
    const warmup = callTypes.map((type) => new Tally(type));
    this.#current = tallies;
    const started = performance.now();
    const worker = async (type: number): Promise<void> => {
      for (let now = Date.now(); now < window.toEpochMs; now = Date.now()) {
        const tally = (now < window.fromEpochMs ? warmup : tallies)[type]!;
        await client.call(tally.type, tally, performance.now());
      }
    };
    await Promise.all(
      callTypes.flatMap((type, i) => Array.from({ length: concurrency[type] }, () => worker(i))),
    );
    const windowMs = window.toEpochMs - window.fromEpochMs;
    const warmupStatuses: Record<string, number> = {};
    for (const tally of warmup) {
      for (const [status, count] of Object.entries(tally.statuses)) {
        warmupStatuses[status] = (warmupStatuses[status] ?? 0) + count;
      }
    }
    return {
      clients: [
        {
          client: name,
          tallies: tallies.map((tally) => tally.result(windowMs, concurrency[tally.type])),
        },
      ],
      elapsedMs: performance.now() - started,
      maxStartLagMs: 0,
      lateStarts: 0,
      warmupStatuses,
    };
  }

  async #scheduled(
    names: readonly string[],
    rate: number,
    durationMs: number,
  ): Promise<LoadRunResult> {
    const clients = names.map((name) => this.#client(name));
    const tallies = clients.map(() => callTypes.map((type) => new Tally(type)));
    this.#current = tallies.flat();
    const next = weightedSequence();
    const { elapsedMs, maxStartLagMs, lateStarts } = await runOnSchedule(
      rate,
      durationMs,
      lateStartMs,
      (i, due) => {
        const which = i % clients.length;
        const type = next();
        return clients[which]!.call(type, tallies[which]![callTypes.indexOf(type)]!, due);
      },
    );
    return {
      clients: clients.map((client, c) => ({
        client: client.spec.name,
        tallies: tallies[c]!.map((tally) => tally.result(elapsedMs, 0)),
      })),
      elapsedMs,
      maxStartLagMs,
      lateStarts,
      warmupStatuses: {},
    };
  }

  #progress(): LoadProgress {
    let calls = 0;
    let ok = 0;
    for (const tally of this.#current) {
      calls += tally.calls;
      ok += tally.statuses.OK ?? 0;
    }
    return { calls, notOk: calls - ok };
  }

  #client(name: string): LoadClient {
    const client = this.#clients.get(name);
    if (client === undefined) throw new Error(`no client ${name}: setup has not named it`);
    return client;
  }
}

const send = (reply: LoadReply): void => {
  process.send?.(reply);
};
process.on("disconnect", () => process.exit(1));
const driver = new LoadDriver();
process.on("message", (request: LoadRequest) => {
  driver.answer(request).then(
    (reply) => send({ ...reply, id: request.id } as LoadReply),
    (error: unknown) => send({ id: request.id, type: "failed", error: String(error) }),
  );
});
send({ id: 0, type: "done" });
