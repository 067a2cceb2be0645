import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { hnsw as embeddedHnsw } from "../../clients/vectors/embedded/collection.js";
import { ensureGhz } from "../ghz.js";
import { pinToCpu, runGhzRounds } from "../ghz-rounds.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import { type VectorCheck, type VectorPathResult, vectorChecks } from "./checks.js";
import { vectorsBenchOptions } from "./options.js";
import { vectorPaths } from "./paths.js";
import { prepareSizes } from "./prepare.js";
import type { QdrantRest } from "./qdrant-rest.js";
import { renderVectorsReport } from "./render.js";
import { type VectorsReport, writeVectorsReport } from "./report.js";
import { startTargets } from "./targets.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** Qdrant and both ragplane servers run on this core; ghz on the other. */
const serverCpu = 0;
const loadCpu = 1;

/**
 * The vector benchmark (`npm run bench:vectors`): Qdrant's own gRPC Search, ragplane's
 * Search on its embedded engine and ragplane's Search on Qdrant, side by side on the same
 * data and the same core, loaded by ghz on the other core, at every size; recall@10 of
 * each against exact search; filtered searches at the largest size. Writes
 * `bench/results/vectors.md` and `vectors.json`. Everything it started is stopped however
 * it ends.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  const options = vectorsBenchOptions();
  const ghz = await ensureGhz();
  const targets = await startTargets(cleanup, children);
  log(
    `Qdrant pid ${targets.qdrant.pid}, ragplane embedded pid ${targets.embedded.pid}, ` +
      `ragplane on Qdrant pid ${targets.onQdrant.pid}`,
  );
  const { setups, built } = await prepareSizes(targets, options, log);

  for (const pid of [targets.qdrant.pid, targets.embedded.pid, targets.onQdrant.pid]) {
    await pinToCpu(pid, serverCpu);
  }
  const paths = vectorPaths(targets, setups);
  log(
    `measuring ${paths.map((p) => p.name).join(", ")}: ghz on cpu ${loadCpu}, servers on cpu ${serverCpu}`,
  );
  const measured = await runGhzRounds(paths, {
    rounds: options.rounds,
    concurrency: options.concurrency,
    measureMs: options.measureMs,
    warmupMs: options.warmupMs,
    ghz,
    loadCpu,
  });
  const results: VectorPathResult[] = measured.map((result, i) => {
    const path = paths[i]!;
    return {
      ...result,
      kind: path.kind,
      size: path.size,
      ...(path.filter === undefined ? {} : { filter: path.filter }),
      recall: path.recall,
    };
  });
  const checks = vectorChecks(results, options.sizes, options.filteredSize, options.limit);
  const report: VectorsReport = {
    date,
    durationMs: performance.now() - began,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options,
    qdrantVersion: await qdrantVersion(targets.qdrant.rest),
    embeddedHnsw: { ...embeddedHnsw },
    build: built,
    checks,
    paths: results,
  };
  const markdown = renderVectorsReport(report);
  const files = await writeVectorsReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  for (const check of checks) log(summary(check));
  log(`wrote ${files.join(", ")}`);
}

/** The version Qdrant's root endpoint reports. */
async function qdrantVersion(qdrant: QdrantRest): Promise<string> {
  try {
    const response = await fetch(`${qdrant.url}/`, { headers: { "api-key": qdrant.apiKey } });
    const body = (await response.json()) as { version?: unknown };
    return typeof body.version === "string" ? body.version : "unknown";
  } catch {
    return "unknown";
  }
}

function summary(check: VectorCheck): string {
  const target =
    check.target === undefined
      ? "no target"
      : `target ${check.target.op} ${check.target.bound}: ${check.pass ? "pass" : "miss"}`;
  return `${check.name}: ${check.value.toFixed(3)} (${target})`;
}

const log = benchLog("vectors");

runBench("vectors", main);
