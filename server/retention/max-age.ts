import { type Duration, durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import type { Violations } from "../validation/violations.js";

/** The shortest maximum age a collection or label may have, in ms. */
export const minMaxAgeMs = 1_000;
/** The longest maximum age a collection or label may have (100 years), in ms. */
export const maxMaxAgeMs = 100 * 365 * 24 * 3_600_000;

/**
 * Checks a requested maximum age: unset or zero (forever), or 1 s to 100 years, never
 * negative.
 */
export function checkMaxAge(v: Violations, field: string, value: Duration | undefined): void {
  if (value === undefined || (value.seconds === 0n && value.nanos === 0)) return;
  if (value.seconds < 0n || value.nanos < 0) {
    v.add(field, "must not be negative");
    return;
  }
  if (value.nanos > 999_999_999) {
    v.add(field, "nanos must be 0 to 999999999");
    return;
  }
  const ms = durationMs(value);
  if (ms < minMaxAgeMs || ms > maxMaxAgeMs) v.add(field, "must be 0 (forever) or 1s to 100 years");
}

/** A validated maximum age in whole ms (rounded up); `undefined` for forever. */
export function toMaxAgeMs(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Math.ceil(durationMs(value));
  return ms > 0 ? ms : undefined;
}

/** A stored maximum age as a `Duration`; unset for forever. */
export function toMaxAgeDuration(maxAgeMs: number | undefined): Duration | undefined {
  return maxAgeMs === undefined ? undefined : durationFromMs(maxAgeMs);
}
