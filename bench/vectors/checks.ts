import type { PathResult } from "../engines/rounds.js";
import type { PathKind } from "./build.js";
import { pathName, sizeLabel } from "./paths.js";

/** A figure derived from the run, with its target when the product has one. */
export interface VectorCheck {
  readonly name: string;
  readonly value: number;
  /** `ratio` or `recall`: how to print it. */
  readonly unit: "ratio" | "recall";
  /** The lowest and highest value over single rounds (throughput and latency ratios). */
  readonly rounds?: { readonly min: number; readonly max: number };
  readonly target?: { readonly op: "≥" | "≤"; readonly bound: number };
  /** Whether the value meets the target; absent when there is none. */
  readonly pass?: boolean;
}

/** A measured path's result, with what it stands for. */
export interface VectorPathResult extends PathResult {
  readonly kind: PathKind;
  readonly size: number;
  readonly filter?: string;
  readonly recall: number;
}

/**
 * The ratios the targets name, each computed from paths of this run: embedded and
 * ragplane-on-Qdrant Search throughput against Qdrant's own gRPC Search at every size,
 * recall@10 of every path, and at the filtered size the filtered p50 latency against the
 * unfiltered one on each path.
 */
export function vectorChecks(
  results: readonly VectorPathResult[],
  sizes: readonly number[],
  filteredSize: number,
  limit: number,
): VectorCheck[] {
  const find = (kind: PathKind, size: number, filter?: string): VectorPathResult => {
    const name = pathName(kind, size, filter);
    const found = results.find((r) => r.name === name);
    if (found === undefined) throw new Error(`no result for ${name}`);
    return found;
  };
  const checks: VectorCheck[] = [];
  for (const size of sizes) {
    const qdrant = find("qdrant", size);
    const embedded = find("embedded", size);
    const onQdrant = find("ragplane-qdrant", size);
    checks.push(
      throughputRatio(
        `embedded Search QPS / Qdrant gRPC Search QPS, ${sizeLabel(size)}`,
        embedded,
        qdrant,
        {
          op: "≥",
          bound: 1,
        },
      ),
      target(`recall@${limit}, embedded, ${sizeLabel(size)}`, embedded.recall, "recall", {
        op: "≥",
        bound: 0.95,
      }),
      throughputRatio(
        `ragplane-on-Qdrant Search QPS / Qdrant gRPC Search QPS, ${sizeLabel(size)}`,
        onQdrant,
        qdrant,
        { op: "≥", bound: 0.5 },
      ),
      target(`recall@${limit}, ragplane on Qdrant, ${sizeLabel(size)}`, onQdrant.recall, "recall"),
      target(`recall@${limit}, Qdrant gRPC, ${sizeLabel(size)}`, qdrant.recall, "recall"),
    );
  }
  for (const filter of ["1%", "50%"]) {
    for (const kind of ["embedded", "ragplane-qdrant", "qdrant"] as const) {
      const filtered = results.find((r) => r.name === pathName(kind, filteredSize, filter));
      if (filtered === undefined) continue;
      const wanted =
        filter === "1%" && kind !== "qdrant" ? ({ op: "≤", bound: 2 } as const) : undefined;
      checks.push(
        latencyRatio(
          `filtered ${filter} p50 latency / unfiltered p50, ${label(kind)}, ${sizeLabel(filteredSize)}`,
          filtered,
          find(kind, filteredSize),
          wanted,
        ),
        target(
          `recall@${limit}, filtered ${filter}, ${label(kind)}, ${sizeLabel(filteredSize)}`,
          filtered.recall,
          "recall",
        ),
      );
    }
  }
  return checks;
}

/** How a path kind reads in the report. */
export function label(kind: PathKind): string {
  switch (kind) {
    case "qdrant":
      return "Qdrant gRPC";
    case "embedded":
      return "embedded";
    case "ragplane-qdrant":
      return "ragplane on Qdrant";
  }
}

function throughputRatio(
  name: string,
  path: PathResult,
  baseline: PathResult,
  wanted: VectorCheck["target"],
): VectorCheck {
  const single = path.rounds.map(
    (round, i) => round.throughput / (baseline.rounds[i]?.throughput ?? Number.NaN),
  );
  return {
    ...target(name, path.throughput / baseline.throughput, "ratio", wanted),
    rounds: span(single),
  };
}

function latencyRatio(
  name: string,
  path: PathResult,
  baseline: PathResult,
  wanted: VectorCheck["target"],
): VectorCheck {
  const single = path.rounds.map(
    (round, i) => round.latency.p50 / (baseline.rounds[i]?.latency.p50 ?? Number.NaN),
  );
  return {
    ...target(name, path.latency.p50 / baseline.latency.p50, "ratio", wanted),
    rounds: span(single),
  };
}

function target(
  name: string,
  value: number,
  unit: VectorCheck["unit"],
  wanted?: VectorCheck["target"],
): VectorCheck {
  if (wanted === undefined) return { name, value, unit };
  const pass = wanted.op === "≥" ? value >= wanted.bound : value <= wanted.bound;
  return { name, value, unit, target: wanted, pass };
}

function span(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}
