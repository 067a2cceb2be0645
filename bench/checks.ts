import type { InProcessResults } from "./in-process.js";
import type { RagplaneResults } from "./remote.js";
import type { ScenarioResult } from "./scenario.js";

/** A derived figure of the run, with its target when it has one. */
export interface Check {
  readonly name: string;
  readonly value: number;
  /** How to print the value: a plain ratio, a rate, or microseconds. */
  readonly unit: "ratio" | "calls/s" | "points/s" | "µs";
  /** The value must be at least this to pass; none for figures kept for reference. */
  readonly min?: number;
  /** Whether `value >= min`; absent when there is no target. */
  readonly pass?: boolean;
}

/** The ratios and reference figures the report leads with, targets first. */
export function deriveChecks(
  ragplane: RagplaneResults,
  inProcess: InProcessResults,
  echo: ScenarioResult,
  batchSize: number,
): Check[] {
  const serverSearchCpu = ragplane.search.serverCpuMicrosPerCall ?? Number.NaN;
  return [
    target(
      "Search throughput: gRPC server / in-process",
      ragplane.search.throughput / inProcess.search.throughput,
      "ratio",
      0.7,
    ),
    {
      name:
        "Search CPU efficiency: in-process CPU per search / server CPU per Search " +
        "(the throughput ratio if the server were kept 100 % busy)",
      value: inProcess.search.clientCpuMicrosPerCall / serverSearchCpu,
      unit: "ratio",
    },
    {
      name:
        "Search throughput ceiling: in-process CPU per search / (that + echo server CPU per " +
        "call), what a server with no cost beyond bare grpc-js and the engine would reach",
      value:
        inProcess.search.clientCpuMicrosPerCall /
        (inProcess.search.clientCpuMicrosPerCall + (echo.serverCpuMicrosPerCall ?? Number.NaN)),
      unit: "ratio",
    },
    target("recall@10, HNSW vs exact, over gRPC", ragplane.recall, "ratio", 0.95),
    { name: "recall@10, HNSW vs exact, in-process", value: inProcess.recall, unit: "ratio" },
    { name: "echo baseline throughput (bare grpc-js)", value: echo.throughput, unit: "calls/s" },
    {
      name: "echo baseline server CPU per call",
      value: echo.serverCpuMicrosPerCall ?? Number.NaN,
      unit: "µs",
    },
    {
      name: "Search server CPU per call beyond in-process search (RPC + chain + codec)",
      value: serverSearchCpu - inProcess.search.clientCpuMicrosPerCall,
      unit: "µs",
    },
    {
      name: "Search server CPU per call beyond the echo's (chain + codec + engine)",
      value: serverSearchCpu - (echo.serverCpuMicrosPerCall ?? Number.NaN),
      unit: "µs",
    },
    {
      name: "Upsert points/s over gRPC",
      value: ragplane.upsert.throughput * batchSize,
      unit: "points/s",
    },
    {
      name: "Upsert throughput: gRPC server / in-process",
      value: ragplane.upsert.throughput / inProcess.upsert.throughput,
      unit: "ratio",
    },
  ];
}

function target(name: string, value: number, unit: Check["unit"], min: number): Check {
  return { name, value, unit, min, pass: value >= min };
}
