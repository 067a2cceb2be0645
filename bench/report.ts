import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Check } from "./checks.js";
import { int, micros, seconds } from "./format.js";
import { type MachineInfo, machineLines } from "./machine.js";
import type { BenchOptions } from "./options.js";
import type { ProfileEntry, ProfileSummary } from "./profile.js";
import type { ScenarioResult } from "./scenario.js";

/** Everything one run found, as written to `search.json`. */
export interface BenchReport {
  /** ISO 8601 start time. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** One-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: BenchOptions;
  /** The embedded engine's HNSW parameters. */
  readonly hnsw: {
    readonly connectivity: number;
    readonly expansionAdd: number;
    readonly expansionSearch: number;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly checks: readonly Check[];
  /** Where the ragplane child's CPU went during the measured gRPC Search, when profiled. */
  readonly searchProfile?: ProfileSummary;
}

/**
 * Writes `search.md` and `search.json` into `directory` (`search-profiled.*` for a
 * profiled run, so it never replaces the plain figures); returns their paths.
 */
export async function writeReport(directory: string, report: BenchReport): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const base = report.searchProfile === undefined ? "search" : "search-profiled";
  const markdown = join(directory, `${base}.md`);
  const json = join(directory, `${base}.json`);
  await writeFile(markdown, renderMarkdown(report));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [markdown, json];
}

/** The human-readable report. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, options, hnsw } = report;
  const data = options.dataset;
  const lines = [
    "# ragplane benchmark: vectors Search and Upsert",
    "",
    `- Date: ${report.date}`,
    ...machineLines(machine, report.loadAverage, busyWarning(report)),
    `- Data: ${int(data.points)} points × ${data.dimension} dims, cosine, ${data.clusters} Gaussian clusters ` +
      `(centres N(0,1), points σ ${data.spread}); ${int(data.queries)} queries near data points ` +
      `(σ ${data.queryNoise}); seed ${data.seed}`,
    `- HNSW: M ${hnsw.connectivity}, ef_construction ${hnsw.expansionAdd}, ef ${hnsw.expansionSearch}; ` +
      `limit ${options.limit}; recall over ${options.recallQueries} queries`,
    `- Load: closed loop; timed scenarios warm up ${seconds(options.warmupMs)} then run ` +
      `${seconds(options.measureMs)}; the server is loaded by ${options.batchSize}-point Upserts. ` +
      "ragplane (embedded engines, LOG_LEVEL=warn) and the echo server run in child " +
      "processes; the client and the in-process baseline run in the parent.",
    ...(options.searchProfile === undefined
      ? []
      : [
          "- **Profiled run**: V8's sampling profiler ran in the ragplane child during the " +
            "measured gRPC Search, which slows it; compare figures with an unprofiled run.",
        ]),
    "",
    "## Targets and ratios",
    "",
    "| figure | value | target | result |",
    "|---|--:|--:|---|",
    ...report.checks.map(
      (check) =>
        `| ${check.name} | ${formatValue(check.value, check.unit)} | ` +
        `${check.min === undefined ? "–" : `≥ ${formatValue(check.min, check.unit)}`} | ` +
        `${check.pass === undefined ? "reference" : check.pass ? "**pass**" : "**miss**"} |`,
    ),
    "",
    "## Scenarios",
    "",
    "| scenario | what | in flight | calls | calls/s | p50 | p90 | p99 | max | server CPU/call | client CPU/call | server cores | client cores | other cores | busier side |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ...report.scenarios.map(
      (s) =>
        `| ${s.name} | ${s.description} | ${s.concurrency} | ${int(s.requests)} | ${int(s.throughput)} | ` +
        `${micros(s.latency.p50)} | ${micros(s.latency.p90)} | ${micros(s.latency.p99)} | ` +
        `${micros(s.latency.max)} | ${s.serverCpuMicrosPerCall === undefined ? "–" : micros(s.serverCpuMicrosPerCall)} | ` +
        `${micros(s.clientCpuMicrosPerCall)} | ${s.serverCores === undefined ? "–" : s.serverCores.toFixed(2)} | ` +
        `${s.clientCores.toFixed(2)} | ${s.otherCores.toFixed(2)} | ${busierSide(s)} |`,
    ),
    "",
    "Latencies are per call, client-side, including queueing behind the other calls in " +
      "flight. CPU per call is user + system time of the process over the measured run " +
      "divided by its calls (in-process rows: the parent, which also runs the engine); " +
      "cores is that CPU time over the run's wall time, so a side near 1.0 is the bottleneck (a " +
      "client-side echo means the echo figure is a floor for grpc-js, not its ceiling); " +
      "other cores is what the rest of the machine used meanwhile.",
    ...profileSection(report),
    "",
  ];
  return lines.join("\n");
}

function profileSection(report: BenchReport): string[] {
  const profile = report.searchProfile;
  if (profile === undefined) return [];
  const table = (entries: readonly ProfileEntry[], what: string): string[] => [
    `| ${what} | self ms | µs per call | share |`,
    "|---|--:|--:|--:|",
    ...entries.map(
      (entry) =>
        `| ${what === "function" ? `\`${entry.label}\`` : entry.label} | ${entry.selfMs.toFixed(0)} | ` +
        `${entry.microsPerCall.toFixed(1)} | ${(100 * entry.share).toFixed(1)} % |`,
    ),
  ];
  return [
    "",
    "## ragplane child during the measured gRPC Search: where the CPU went",
    "",
    `Profile \`${profile.file}\` (open in Chrome DevTools): ${int(profile.busyMs)} ms busy over ` +
      `${int(profile.calls)} calls. Self time; native code shows under the JS function that called it.`,
    "",
    ...table(profile.areas, "area"),
    "",
    ...table(profile.functions, "function"),
  ];
}

function busierSide(scenario: ScenarioResult): string {
  if (scenario.serverCores === undefined) return "–";
  return scenario.serverCores >= scenario.clientCores ? "server" : "client";
}

function busyWarning(report: BenchReport): string {
  const busiest = Math.max(...report.scenarios.map((s) => s.otherCores));
  return busiest > 0.2 || report.loadAverage.start > 0.5
    ? " — **other work was running on this machine (see the other cores column); the " +
        "figures are skewed by it**"
    : "";
}

function formatValue(value: number, unit: Check["unit"]): string {
  if (!Number.isFinite(value)) return "n/a";
  switch (unit) {
    case "ratio":
      return value.toFixed(3);
    case "µs":
      return micros(value);
    default:
      return `${int(value)} ${unit}`;
  }
}
