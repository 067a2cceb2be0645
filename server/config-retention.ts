import type { EnvReader } from "./env-reader.js";

/** How this replica applies maximum ages (the ages themselves are set by RPCs). */
export interface RetentionConfig {
  /**
   * `RETENTION_SWEEPER`: this replica runs the retention sweeper. Several replicas may
   * (deletes are idempotent); turn it off where sweeps should not run. Default true.
   */
  readonly sweeper: boolean;
  /** `RETENTION_SWEEP_INTERVAL_MS`: time between sweeps, 100 ms to 1 day. Default 60 000. */
  readonly sweepIntervalMs: number;
  /**
   * `AUDIT_RETENTION`: how long the audit trail keeps its entries, as a duration such as
   * `2160h`, `90d` or `30m` (units ms, s, m, h, d), applied to the `audit` topic at
   * start; `0` keeps them forever. Unset by default: the topic keeps the retention it has
   * (forever when ragplane created it).
   */
  readonly auditRetentionMs: number | undefined;
}

const day = 86_400_000;
const units: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: day,
};

/** Reads the retention settings. */
export function readRetention(read: EnvReader): RetentionConfig {
  return {
    sweeper: read.boolean("RETENTION_SWEEPER", true),
    sweepIntervalMs: read.integer("RETENTION_SWEEP_INTERVAL_MS", 60_000, 100, day),
    auditRetentionMs: readDuration(read, "AUDIT_RETENTION"),
  };
}

/** A duration variable in ms: unset, `0`, or a whole number with a unit, 1 s to 100 years. */
function readDuration(read: EnvReader, name: string): number | undefined {
  const value = read.optional(name);
  if (value === undefined) return undefined;
  if (value === "0") return 0;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  const ms = match ? Number(match[1]) * (units[match[2] as string] as number) : Number.NaN;
  if (!(ms >= 1_000 && ms <= 36_500 * day)) {
    read.problem(
      `${name}=${JSON.stringify(value)} must be 0 (forever) or a duration from 1s to 36500d, such as 90d or 720h`,
    );
    return undefined;
  }
  return ms;
}
