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
import { type CallType, callTypes, methodNames, type PerCallType } from "./mix.js";
import { RequestSource, type TenantPlan } from "./requests.js";
import type { TypeTally } from "./tally.js";

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
  readonly durationMs: number;
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

/**
 * Runs one ghz process per call type at once, all pinned to `options.cpu`, each closed
 * loop for `durationMs` with `--duration-stop wait` (the calls in flight at the end are
 * waited for and counted, never cancelled), and returns what each saw: its status
 * distribution and the latency of every OK call, from ghz's JSON report.
 */
export async function runGhzMix(options: GhzMixOptions): Promise<TypeTally[]> {
  const dir = await mkdtemp(join(tmpdir(), "ragplane-load-ghz-"));
  try {
    const messages = ghzMessages(options.plan);
    const runs = callTypes.map(async (type) => {
      const data = join(dir, `${type}.json`);
      const report = join(dir, `${type}.report.json`);
      await writeFile(data, JSON.stringify(messages[type]));
      await runGhz(ghzArgs(options, type, data, report));
      return parseReport(type, options.concurrency[type], await readFile(report, "utf8"));
    });
    return await Promise.all(runs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ghzArgs(options: GhzMixOptions, type: CallType, data: string, report: string): string[] {
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
    `${Math.round(options.durationMs)}ms`,
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

/** What of ghz's JSON report is read. */
interface GhzReport {
  readonly count: number;
  /** Nanoseconds. */
  readonly total: number;
  readonly statusCodeDistribution?: Record<string, number>;
  readonly errorDistribution?: Record<string, number>;
  readonly details?: readonly { readonly latency: number; readonly status: string }[];
}

function parseReport(type: CallType, concurrency: number, text: string): TypeTally {
  const report = JSON.parse(text) as GhzReport;
  const ok = (report.details ?? []).filter((detail) => detail.status === "OK");
  return {
    type,
    concurrency,
    calls: report.count,
    elapsedMs: report.total / 1e6,
    statuses: report.statusCodeDistribution ?? {},
    errors: report.errorDistribution ?? {},
    okLatenciesMs: Float64Array.from(ok, (detail) => detail.latency / 1e6),
  };
}
