import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** A function's or an area's share of a profile's busy time. */
export interface ProfileEntry {
  /** `name (file:line)` for a function; a label for an area. */
  readonly label: string;
  readonly selfMs: number;
  /** Self time divided by the calls served while profiling. */
  readonly microsPerCall: number;
  /** Share of the busy (non-idle) samples, 0 to 1. */
  readonly share: number;
}

/** Where a profiled process spent its busy time. */
export interface ProfileSummary {
  readonly file: string;
  /** Sampled time not spent idle. */
  readonly busyMs: number;
  /** Calls served while profiling, the divisor of the per-call figures. */
  readonly calls: number;
  /** The functions with the most self time, most first. */
  readonly functions: readonly ProfileEntry[];
  /** Self time by area of the code (transport, codec, chain, engine, GC…). */
  readonly areas: readonly ProfileEntry[];
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** Areas a frame is filed under, first match wins. */
const areas: readonly {
  readonly label: string;
  readonly matches: (frame: CallFrame) => boolean;
}[] = [
  { label: "garbage collector", matches: (f) => f.functionName === "(garbage collector)" },
  { label: "usearch (HNSW, native)", matches: (f) => f.url.includes("/node_modules/usearch/") },
  { label: "protobuf-es (decode, encode)", matches: (f) => f.url.includes("/@bufbuild/protobuf/") },
  { label: "grpc-js", matches: (f) => f.url.includes("/@grpc/grpc-js/") },
  { label: "Node core (http2, net, streams, events)", matches: (f) => f.url.startsWith("node:") },
  { label: "interceptor chain", matches: (f) => f.url.includes("/interceptors/") },
  { label: "server (transports, dispatch, service)", matches: (f) => f.url.includes("/server/") },
  { label: "embedded vector store (JS)", matches: (f) => f.url.includes("/clients/") },
  { label: "other (native builtins, program)", matches: () => true },
];

/**
 * Reads a V8 `.cpuprofile` and attributes its busy self time to functions and areas.
 * Native frames (no script) count towards the area of the nearest script frame that
 * called them, so usearch's compiled search is filed under usearch, not "other". Samples
 * of the profiler's own start and stop are left out.
 */
export async function summarizeProfile(
  file: string,
  calls: number,
  topFunctions: number,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const profilerNodes = new Set<number>();
  const isProfiler = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      if (profilerNodes.has(at) || frames.get(at)!.url.endsWith("/bench/child-profiler.ts")) {
        profilerNodes.add(id);
        return true;
      }
    }
    return false;
  };
  const areaOf = (id: number): string => {
    const own = frames.get(id)!;
    let frame = own;
    for (let at: number | undefined = id; frame.url === "" && at !== undefined; ) {
      at = parents.get(at);
      if (at !== undefined) frame = frames.get(at)!;
    }
    return areas.find((area) => area.matches(frame.url === "" ? own : frame))!.label;
  };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (frame === undefined || frame.functionName === "(idle)" || isProfiler(id)) return;
    busy += delta;
    add(byFunction, describe(frame), delta);
    add(byArea, areaOf(id), delta);
  });
  const entries = (totals: Map<string, number>): ProfileEntry[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .map(([label, micros]) => ({
        label,
        selfMs: micros / 1000,
        microsPerCall: calls > 0 ? micros / calls : 0,
        share: busy > 0 ? micros / busy : 0,
      }));
  return {
    file: relative(repoRoot, file),
    busyMs: busy / 1000,
    calls,
    functions: entries(byFunction).slice(0, topFunctions),
    areas: entries(byArea),
  };
}

function add(totals: Map<string, number>, key: string, micros: number): void {
  totals.set(key, (totals.get(key) ?? 0) + micros);
}

function describe(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (frame.url === "") return name;
  const path = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  const short = path.includes("/node_modules/")
    ? path.slice(path.lastIndexOf("/node_modules/") + "/node_modules/".length)
    : path.startsWith(repoRoot)
      ? relative(repoRoot, path)
      : path;
  return `${name} (${short}:${frame.lineNumber + 1})`;
}
