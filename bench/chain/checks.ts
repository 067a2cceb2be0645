import type { PathResult } from "../engines/rounds.js";
import { type ChainRpc, chainRpcs, pathName } from "./workload.js";

/** The server configurations compared; `empty` is the baseline. */
export type ConfigurationName = "full" | "full-redis" | "full-unmetered" | "full-traced" | "empty";

/** A throughput ratio of a configuration against the empty chain on the same RPC. */
export interface ChainCheck {
  readonly name: string;
  readonly rpc: ChainRpc;
  readonly configuration: ConfigurationName;
  /** calls/s of the configuration over calls/s of the empty chain, all rounds pooled. */
  readonly value: number;
  /** Lowest and highest ratio of single rounds (round i against round i). */
  readonly rounds: { readonly min: number; readonly max: number };
  /** The target, when the figure has one (the traced configuration is reported only). */
  readonly min: number | undefined;
  readonly pass: boolean;
}

/** What the chain costs per call on one RPC, against the empty chain. */
export interface ChainCost {
  readonly rpc: ChainRpc;
  readonly configuration: ConfigurationName;
  /** Server CPU per call minus the empty chain's, in µs. */
  readonly serverCpuMicros: number;
  /** p50 latency minus the empty chain's, in µs. */
  readonly p50Micros: number;
  /** p99 latency minus the empty chain's, in µs. */
  readonly p99Micros: number;
}

/** Throughput each configuration must keep, as a share of the empty chain's. */
export const chainTargets: Readonly<
  Record<Exclude<ConfigurationName, "empty">, number | undefined>
> = {
  full: 0.85,
  "full-redis": 0.75,
  "full-unmetered": undefined,
  "full-traced": undefined,
};

/**
 * The headline figures: for each RPC, the full chain's, the Redis-backed chain's and the
 * traced chain's throughput over the empty chain's, with their targets. Configurations that did not
 * run are left out.
 */
export function chainChecks(results: readonly PathResult[]): ChainCheck[] {
  return pairs(results).map(({ rpc, configuration, path, baseline }) => {
    const min = chainTargets[configuration];
    const value = path.throughput / baseline.throughput;
    const perRound = path.rounds.map(
      (round, i) => round.throughput / (baseline.rounds[i]?.throughput ?? Number.NaN),
    );
    return {
      name: `${rpc} throughput: ${configuration} / empty`,
      rpc,
      configuration,
      value,
      rounds: { min: Math.min(...perRound), max: Math.max(...perRound) },
      min,
      pass: min === undefined || value >= min,
    };
  });
}

/** GetCollection through the full chain must keep this share of a bare grpc-js echo's rate. */
export const echoTarget = 0.75;

/**
 * GetCollection through the full chain (and the embedded engine) against the same request
 * answered by a bare grpc-js server with a response of the same size: what the whole of
 * ragplane costs over the transport on its cheapest RPC. Empty when either did not run.
 */
export function echoCheck(results: readonly PathResult[]): ChainCheck[] {
  const find = (configuration: string) =>
    results.find((result) => result.name === pathName("GetCollection", configuration));
  const path = find("full");
  const baseline = find("bare-echo");
  if (path === undefined || baseline === undefined) return [];
  const value = path.throughput / baseline.throughput;
  const perRound = path.rounds.map(
    (round, i) => round.throughput / (baseline.rounds[i]?.throughput ?? Number.NaN),
  );
  return [
    {
      name: "GetCollection throughput: full / bare grpc-js echo",
      rpc: "GetCollection",
      configuration: "full",
      value,
      rounds: { min: Math.min(...perRound), max: Math.max(...perRound) },
      min: echoTarget,
      pass: value >= echoTarget,
    },
  ];
}

/** Per-call cost of each chain over the empty one: server CPU and latency. */
export function chainCosts(results: readonly PathResult[]): ChainCost[] {
  return pairs(results).map(({ rpc, configuration, path, baseline }) => ({
    rpc,
    configuration,
    serverCpuMicros:
      (path.serverCpuMicrosPerCall ?? Number.NaN) - (baseline.serverCpuMicrosPerCall ?? Number.NaN),
    p50Micros: path.latency.p50 - baseline.latency.p50,
    p99Micros: path.latency.p99 - baseline.latency.p99,
  }));
}

function pairs(results: readonly PathResult[]): {
  rpc: ChainRpc;
  configuration: Exclude<ConfigurationName, "empty">;
  path: PathResult;
  baseline: PathResult;
}[] {
  const find = (rpc: ChainRpc, configuration: ConfigurationName) =>
    results.find((result) => result.name === pathName(rpc, configuration));
  return chainRpcs.flatMap((rpc) => {
    const baseline = find(rpc, "empty");
    if (baseline === undefined) return [];
    const measured = ["full", "full-redis", "full-unmetered", "full-traced"] as const;
    return measured.flatMap((configuration) => {
      const path = find(rpc, configuration);
      return path === undefined ? [] : [{ rpc, configuration, path, baseline }];
    });
  });
}
