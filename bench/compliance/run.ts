import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { engineSet } from "../engine-sets.js";
import { ensureGhz } from "../ghz.js";
import { pinToCpu, runGhzRounds } from "../ghz-rounds.js";
import { startLoadServer } from "../load/server.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import { encryptionEnv, encryptionModes, prepareEncryptionPaths } from "./encryption.js";
import { timeErasure } from "./erasure.js";
import { complianceBenchOptions } from "./options.js";
import { renderComplianceReport } from "./render.js";
import {
  type ComplianceReport,
  type ErasureTarget,
  encryptionRatios,
  writeComplianceReport,
} from "./report.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** ghz, this process and the real engines run on this core; the ragplane children on the other. */
const loadCpu = 0;
const serverCpu = 1;

/**
 * The compliance benchmark (`npm run bench:compliance`, `-- --engines embedded|real` to
 * time the erasure on one set only): Publish and Search with encryption at rest on
 * against off, in interleaved ghz rounds on the embedded engines, then the erasure of a
 * subject holding `BENCH_ERASE_ITEMS` items on the embedded engines and on Kafka, Qdrant,
 * Neo4j and Redis. Writes `bench/results/compliance.md` and `compliance.json`.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  const options = complianceBenchOptions();
  await pinToCpu(process.pid, loadCpu);

  const servers = [];
  for (const mode of encryptionModes) {
    const server = await startLoadServer(
      await run.temporaryDir(`ragplane-bench-compliance-${mode}-`),
      encryptionEnv(mode),
    );
    children.push(server.child);
    cleanup.add(`stop the ${mode} ragplane child`, () => server.child.stop());
    await pinToCpu(server.child.pid, serverCpu);
    servers.push({ mode, server });
  }
  const prepared = [];
  for (const { mode, server } of servers) {
    log(`${mode}: loading pid ${server.child.pid}`);
    prepared.push(await prepareEncryptionPaths(mode, server.child, options));
  }
  const ghz = await ensureGhz();
  const paths = [...prepared.map((p) => p.publish), ...prepared.map((p) => p.search)];
  log(`measuring ${paths.map((p) => p.name).join(", ")}`);
  const results = await runGhzRounds(paths, {
    rounds: options.rounds,
    concurrency: options.concurrency,
    measureMs: options.measureMs,
    warmupMs: options.warmupMs,
    ghz,
    loadCpu,
  });
  for (const { server } of servers) await server.child.stop();

  const erasures: ErasureTarget[] = [];
  const skipped: string[] = [];
  for (const kind of options.engines) {
    const engines = await engineSet(kind, loadCpu, cleanup);
    if ("skipped" in engines) {
      skipped.push(`the erasure on real engines: ${engines.skipped}`);
      log(`skipped: ${engines.skipped}`);
      continue;
    }
    const server = await startLoadServer(
      await run.temporaryDir(`ragplane-bench-erasure-${kind}-`),
      engines.env,
    );
    children.push(server.child);
    cleanup.add(`stop the ${kind} erasure child`, () => server.child.stop());
    await pinToCpu(server.child.pid, serverCpu);
    log(`${kind}: erasure on ${engines.names}`);
    const erased = await timeErasure(
      `127.0.0.1:${server.grpcPort}`,
      await server.headers(`erasure-${kind}`, { admin: true }),
      options,
    );
    erasures.push({ kind, engines: engines.names, run: erased });
    log(`${kind}: erased in ${(erased.totalMs / 1000).toFixed(2)} s`);
    await server.child.stop();
  }

  const report: ComplianceReport = {
    date,
    durationMs: performance.now() - began,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options,
    ratios: encryptionRatios(results),
    paths: results,
    erasures,
    skipped,
  };
  const markdown = renderComplianceReport(report);
  const files = await writeComplianceReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  for (const ratio of report.ratios) {
    log(
      `${ratio.rpc} encryption on / off: ${ratio.throughput.toFixed(3)} (target ≥ ${ratio.target}: ${ratio.pass ? "pass" : "miss"})`,
    );
  }
  log(`wrote ${files.join(", ")}`);
}

const log = benchLog("compliance");

runBench("compliance", main);
