import { type ProfileEntry, summarizeProfile } from "../profile.js";
import { runScenario } from "../scenario.js";
import type { BenchPath } from "./rounds.js";

/** Where a ragplane child spent its CPU during one profiled run of a path. */
export interface PathProfile {
  readonly path: string;
  /** The `.cpuprofile`, relative to the repository (open it in Chrome DevTools). */
  readonly file: string;
  readonly calls: number;
  /** Calls per second during the profiled run (slowed by the profiler). */
  readonly throughput: number;
  /** Sampled time the child was not idle. */
  readonly busyMs: number;
  readonly serverCpuMicrosPerCall?: number;
  /** Self time by library or layer, most first. */
  readonly areas: readonly ProfileEntry[];
  /** The functions with the most self time, most first. */
  readonly functions: readonly ProfileEntry[];
}

/** How the profiled run is loaded. */
export interface ProfileLoad {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  readonly topFunctions: number;
}

/** Areas a function is filed under by its label (`name (path:line)`), first match wins. */
const areas: readonly { readonly label: string; readonly pattern: RegExp }[] = [
  { label: "garbage collector", pattern: /^\(garbage collector\)/ },
  { label: "kafkajs", pattern: /\(kafkajs\// },
  {
    label: "ioredis (idempotency index)",
    pattern: /\((ioredis|@ioredis|redis-errors|redis-parser)\//,
  },
  { label: "neo4j-driver", pattern: /\(neo4j-driver[a-z-]*\// },
  { label: "grpc-js", pattern: /\(@grpc\/grpc-js\// },
  { label: "protobuf-es", pattern: /\(@bufbuild\/protobuf\// },
  { label: "pino", pattern: /\(pino[a-z-]*\// },
  { label: "ragplane clients (adapters)", pattern: /\(clients\// },
  { label: "ragplane interceptors", pattern: /\(interceptors\// },
  { label: "ragplane server (transport, dispatch, services)", pattern: /\(server\// },
  { label: "ragplane gen", pattern: /\(gen\// },
  { label: "Node core (http2, net, streams, timers)", pattern: /\(node:/ },
  { label: "other node_modules", pattern: /\([^)]*\.[cm]?js:\d+\)$/ },
  { label: "native and runtime (program, builtins)", pattern: /.*/ },
];

/**
 * One extra measured run of `path` with V8's sampling profiler running in its ragplane
 * child (started over the inspector, so only this run is recorded; the same data as
 * `node --cpu-prof`), written to `file`, and its busy time summarised by function and area.
 */
export async function profilePath(
  path: BenchPath,
  load: ProfileLoad,
  file: string,
): Promise<PathProfile> {
  if (path.server === undefined) throw new Error(`${path.name} has no server child to profile`);
  const result = await runScenario(
    {
      name: `${path.name}-profiled`,
      description: `${path.description}, profiled`,
      load,
      warmupMs: 0,
      server: path.server,
      profilePath: file,
    },
    path.call,
  );
  const summary = await summarizeProfile(file, result.requests, Number.MAX_SAFE_INTEGER);
  return {
    path: path.name,
    file: summary.file,
    calls: result.requests,
    throughput: result.throughput,
    busyMs: summary.busyMs,
    ...(result.serverCpuMicrosPerCall === undefined
      ? {}
      : { serverCpuMicrosPerCall: result.serverCpuMicrosPerCall }),
    areas: groupByArea(summary.functions),
    functions: summary.functions.slice(0, load.topFunctions),
  };
}

function groupByArea(functions: readonly ProfileEntry[]): ProfileEntry[] {
  const totals = new Map<string, ProfileEntry>();
  for (const entry of functions) {
    const label = areas.find((area) => area.pattern.test(entry.label))!.label;
    const total = totals.get(label);
    totals.set(
      label,
      total === undefined
        ? { ...entry, label }
        : {
            label,
            selfMs: total.selfMs + entry.selfMs,
            microsPerCall: total.microsPerCall + entry.microsPerCall,
            share: total.share + entry.share,
          },
    );
  }
  return [...totals.values()].sort((a, b) => b.selfMs - a.selfMs);
}
