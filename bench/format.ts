/** Formats a duration in microseconds: `850 µs`, or `1.25 ms` from 1 ms up. */
export function micros(value: number): string {
  return Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(0)} µs`;
}

/** Formats a count with thousands separators. */
export function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Formats milliseconds as seconds: `5 s`. */
export function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** What a measured path reports about the CPU it cost. */
export interface CpuFigures {
  readonly serverCpuMicrosPerCall?: number;
  readonly clientCpuMicrosPerCall: number;
  readonly serverCores?: number;
  readonly clientCores: number;
  readonly otherCores: number;
}

/**
 * The table cells `server CPU/call | client CPU/call | server cores | client cores |
 * other cores |` of a measured path (a dash where a path has no server).
 */
export function cpuCells(p: CpuFigures): string {
  return (
    `${p.serverCpuMicrosPerCall === undefined ? "–" : micros(p.serverCpuMicrosPerCall)} | ` +
    `${micros(p.clientCpuMicrosPerCall)} | ` +
    `${p.serverCores === undefined ? "–" : p.serverCores.toFixed(2)} | ` +
    `${p.clientCores.toFixed(2)} | ${p.otherCores.toFixed(2)} |`
  );
}
