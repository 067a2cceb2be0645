import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toJson } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../gen/ragplane/v1/events_pb.js";
import {
  NeighborsRequestSchema,
  UpsertNodesRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import {
  GetCollectionRequestSchema,
  SearchRequestSchema,
  UpsertRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import type { LoadWindow } from "./load-messages.js";
import { type CallType, callTypes, methodNames, type PerCallType } from "./mix.js";
import { RequestSource, type TenantPlan } from "./requests.js";
import { Tally, type TypeTally } from "./tally.js";

/** The descriptor set ghz encodes requests with (`npm run generate` writes it). */
const protoset = fileURLToPath(new URL("../../gen/ragplane.binpb", import.meta.url));

/** Distinct Upsert and UpsertNodes requests each ghz cycles through. */
const writeRequests = 100;

/** How the ghz processes of one run are set up. */
export interface GhzMixOptions {
  /** ghz's path (see `ensureGhz`). */
  readonly ghz: string;
  /** `host:port` of the gRPC port. */
  readonly address: string;
  readonly plan: TenantPlan;
  /** Calls in flight per call type: one ghz process each. */
  readonly concurrency: PerCallType<number>;
  /** HTTP/2 connections per call type. */
  readonly connections: PerCallType<number>;
  /** The measured window: ghz runs from its launch to the window's end. */
  readonly window: LoadWindow;
  /** The core every ghz process is pinned to (`taskset -c`). */
  readonly cpu: number;
}

/**
 * The JSON messages of each call type's ghz, from the same {@link RequestSource} the Node
 * load process uses: Search and Neighbors over every query and start node, Upsert and
 * UpsertNodes over {@link writeRequests} batches, and one Publish whose event ids ghz fills
 * in per call (`{{.UUID}}-<index>`), so every event is new.
 */
export function ghzMessages(plan: TenantPlan): PerCallType<object | object[]> {
  const source = new RequestSource(plan, "ghz");
  const times = <T>(count: number, make: () => T): T[] => Array.from({ length: count }, make);
  return {
    Search: times(plan.queries.length, () => toJson(SearchRequestSchema, source.search())),
    GetCollection: toJson(GetCollectionRequestSchema, source.getCollection()),
    Neighbors: times(plan.starts.length, () => toJson(NeighborsRequestSchema, source.neighbors())),
    Publish: toJson(
      PublishRequestSchema,
      source.publish((index) => `{{.UUID}}-${index}`),
    ),
    Upsert: times(writeRequests, () => toJson(UpsertRequestSchema, source.upsert())),
    UpsertNodes: times(writeRequests, () => toJson(UpsertNodesRequestSchema, source.upsertNodes())),
  } as PerCallType<object | object[]>;
}

/** What the ghz processes saw. */
export interface GhzMixResult {
  /** The calls started in the window, per call type. */
  readonly tallies: readonly TypeTally[];
  /** The calls started before it (the warm-up), per status. */
  readonly warmupStatuses: Readonly<Record<string, number>>;
}

/**
 * Runs one ghz process per call type at once, all pinned to `options.cpu`, each a closed
 * loop from now to the window's end with `--duration-stop wait` (the calls in flight at
 * the end are waited for and counted, never cancelled). From each ghz's JSON report,
 * every call is placed by its start: those started in the window are tallied (status,
 * and latency when OK), those before it counted as the warm-up.
 */
export async function runGhzMix(options: GhzMixOptions): Promise<GhzMixResult> {
  const dir = await mkdtemp(join(tmpdir(), "ragplane-load-ghz-"));
  try {
    const messages = ghzMessages(options.plan);
    const runs = callTypes.map(async (type) => {
      const data = join(dir, `${type}.json`);
      const report = join(dir, `${type}.report.json`);
      await writeFile(data, JSON.stringify(messages[type]));
      const durationMs = options.window.toEpochMs - Date.now();
      await runGhz(ghzArgs(options, type, durationMs, data, report));
      return parseReport(type, options, await readFile(report, "utf8"));
    });
    const parsed = await Promise.all(runs);
    const warmupStatuses: Record<string, number> = {};
    for (const { warmup } of parsed) {
      for (const [status, count] of Object.entries(warmup)) {
        warmupStatuses[status] = (warmupStatuses[status] ?? 0) + count;
      }
    }
    return { tallies: parsed.map(({ tally }) => tally), warmupStatuses };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ghzArgs(
  options: GhzMixOptions,
  type: CallType,
  durationMs: number,
  data: string,
  report: string,
): string[] {
  return [
    "-c",
    String(options.cpu),
    options.ghz,
    "--insecure",
    "--protoset",
    protoset,
    "--call",
    methodNames[type],
    "--data-file",
    data,
    "--metadata",
    JSON.stringify(options.plan.headers),
    "--concurrency",
    String(options.concurrency[type]),
    "--connections",
    String(options.connections[type]),
    "--duration",
    `${Math.max(1, Math.round(durationMs))}ms`,
    "--duration-stop",
    "wait",
    "--total",
    "1000000000",
    "--timeout",
    "120s",
    "--connect-timeout",
    "30s",
    "--cpus",
    "1",
    "--format",
    "json",
    "--output",
    report,
    options.address,
  ];
}

function runGhz(args: readonly string[]): Promise<void> {
  const child = spawn("taskset", args, { stdio: ["ignore", "ignore", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`ghz exited with ${code ?? signal}`)),
    );
  });
}

/** What of ghz's JSON report is read: every call's start, latency and status. */
interface GhzReport {
  readonly details?: readonly {
    /** When the call ended (RFC 3339): ghz records the end. */
    readonly timestamp: string;
    /** Nanoseconds. */
    readonly latency: number;
    readonly status: string;
    readonly error?: string;
  }[];
}

function parseReport(
  type: CallType,
  options: GhzMixOptions,
  text: string,
): { tally: TypeTally; warmup: Record<string, number> } {
  const { fromEpochMs, toEpochMs } = options.window;
  const tally = new Tally(type);
  const warmup: Record<string, number> = {};
  for (const detail of (JSON.parse(text) as GhzReport).details ?? []) {
    const started = Date.parse(detail.timestamp) - detail.latency / 1e6;
    if (started < fromEpochMs) warmup[detail.status] = (warmup[detail.status] ?? 0) + 1;
    else if (started < toEpochMs) tally.record(detail.status, detail.latency / 1e6, detail.error);
  }
  return {
    tally: tally.result(toEpochMs - fromEpochMs, options.concurrency[type]),
    warmup,
  };
}
