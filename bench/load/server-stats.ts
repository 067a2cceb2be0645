import { readFileSync } from "node:fs";

/** The server's memory and handles at one moment. */
export interface MemorySample {
  /** Resident set size from `/proc/<pid>/status` (VmRSS), in bytes. */
  readonly rssBytes: number;
  /** V8 heap in use (`nodejs_heap_size_used_bytes`), in bytes. */
  readonly heapUsedBytes: number;
  /** Handles keeping the event loop alive (`nodejs_active_handles`, every type). */
  readonly activeHandles: number;
}

/** Prometheus names of the figures read from the server's metrics port. */
export const metricNames = {
  heapUsed: "nodejs_heap_size_used_bytes",
  handles: "nodejs_active_handles",
} as const;

/** VmRSS of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return 1024 * Number(kib);
}

/**
 * Reads the server's RSS from `/proc` and its heap and handles from its Prometheus
 * endpoint (prom-client's default metrics, which the server registers unless
 * METRICS_ENABLED=false).
 */
export async function memorySample(pid: number, metricsPort: number): Promise<MemorySample> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  return {
    rssBytes: rssBytes(pid),
    heapUsedBytes: metricSum(text, metricNames.heapUsed),
    activeHandles: metricSum(text, metricNames.handles),
  };
}

/**
 * The sum of every sample of `name` in a Prometheus text exposition, whatever its labels
 * (the server exposes `nodejs_active_handles` by handle type, without the total).
 */
export function metricSum(exposition: string, name: string): number {
  let total = 0;
  let found = false;
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!Number.isFinite(value)) continue;
    total += value;
    found = true;
  }
  if (!found) throw new Error(`the metrics endpoint has no ${name}`);
  return total;
}
