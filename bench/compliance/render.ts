import type { PathResult } from "../engines/rounds.js";
import { cpuCells, int, micros } from "../format.js";
import { machineLines } from "../machine.js";
import type { ComplianceReport, ErasureTarget } from "./report.js";

/** The human-readable report, `compliance.md`. */
export function renderComplianceReport(report: ComplianceReport): string {
  const { options } = report;
  return [
    "# ragplane benchmark: encryption at rest and subject erasure",
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s`,
    ...machineLines(report.machine, report.loadAverage),
    "",
    "## Results",
    "",
    "| figure | value | target | result |",
    "|---|--:|--:|---|",
    ...report.ratios.map(
      (r) =>
        `| ${r.rpc} calls/s, encryption on over off | ${r.throughput.toFixed(3)} | ≥ ${r.target} | ${r.pass ? "**pass**" : "**miss**"} |`,
    ),
    ...report.ratios.map(
      (r) => `| ${r.rpc} server CPU per call, off over on | ${r.cpu.toFixed(3)} | — | reported |`,
    ),
    ...report.erasures.map(
      (e) =>
        `| erasure of a subject with ${int(total(e))} items, ${e.kind} engines | ${(e.run.totalMs / 1000).toFixed(2)} s (${(e.run.workMs / 1000).toFixed(2)} s without the key-cache wait) | — | reported |`,
    ),
    "",
    ...report.skipped.map((line) => `- **Skipped**: ${line}`),
    ...(report.skipped.length === 0 ? [] : [""]),
    "## Encryption on against off",
    "",
    `Two ragplane children on the embedded engines, identical but for \`ENCRYPTION_AT_REST\`, ` +
      "both pinned to one core, ghz on the other; rate limits and quotas lifted; every call " +
      `checked OK. ${options.rounds} measured rounds per path, interleaved, ${options.concurrency} ` +
      "calls in flight; server CPU from `/proc/<pid>/stat`. The target applies to calls per " +
      "second; server CPU per call says what encryption costs where the server is not the " +
      "bottleneck (Publish waits on the embedded log's disk writes).",
    "",
    `- Publish: ${options.publish.events} new events of ${options.publish.payloadBytes} bytes ` +
      "per call, no subject (ids filled by ghz, so every event is written): on the encrypted " +
      "server each payload is sealed with AES-256-GCM under the tenant's data key.",
    `- Search: ${int(options.search.points)} points × ${options.search.dimension} dims, limit ` +
      `${options.search.limit}, payloads returned; each payload holds a ${options.search.textBytes}-byte ` +
      "text, a sensitive field of the encrypted server's collection, so every hit's text is opened.",
    "",
    "| path | calls/s | p50 | p99 | server CPU/call | client CPU/call | server cores | client cores | other cores |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...report.paths.map(pathRow),
    "",
    "## Erasure",
    "",
    "The subject's items are split 40 % events, 30 % points (384 dims), 20 % nodes and 10 % " +
      "relationships; a bystander holds as many. EraseSubject is timed from the call to the " +
      "stream's last message, step by step; the receipt is checked against what was written, " +
      "and afterwards the bystander's points, a bystander node and a replay of the topic " +
      "(the subject's events as tombstones, the bystander's intact) are checked. The `caches` " +
      "step waits `ENCRYPTION_KEY_CACHE_MS` (default 5 s) so that no replica can still " +
      "open the destroyed key: it is time waited, not work done.",
    "",
    ...report.erasures.flatMap(erasureSection),
  ].join("\n");
}

function pathRow(p: PathResult): string {
  return (
    `| ${p.name} | ${int(p.throughput)} | ${micros(p.latency.p50)} | ${micros(p.latency.p99)} | ` +
    cpuCells(p)
  );
}

function total(e: ErasureTarget): number {
  const i = e.run.items;
  return i.events + i.points + i.nodes + i.relationships;
}

function erasureSection(e: ErasureTarget): string[] {
  const { run } = e;
  return [
    `### ${e.kind}: ${e.engines}`,
    "",
    `- Items of the subject: ${int(run.items.events)} events, ${int(run.items.points)} points, ` +
      `${int(run.items.nodes)} nodes, ${int(run.items.relationships)} relationships ` +
      `(written with the bystander's in ${(run.seedMs / 1000).toFixed(1)} s).`,
    `- Erasure: ${(run.totalMs / 1000).toFixed(2)} s in all, ${(run.workMs / 1000).toFixed(2)} s ` +
      `without the key-cache wait: ${int((1000 * total(e)) / Math.max(1, run.workMs))} items/s.`,
    "",
    "Steps as the stream showed them (it sends the job's latest state, so steps shorter " +
      "than a message's round trip can show as one):",
    "",
    "| step | time |",
    "|---|--:|",
    ...run.steps.map((s) => `| ${s.step} | ${micros(s.ms * 1000)} |`),
    "",
    "| receipt: store / engine / target | count |",
    "|---|--:|",
    ...run.receipt.map((r) => `| ${r.where} | ${int(r.count)} |`),
    "",
  ];
}
