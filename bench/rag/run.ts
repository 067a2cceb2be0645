import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { engineSet } from "../engine-sets.js";
import { pinToCpu } from "../ghz-rounds.js";
import { startLoadServer } from "../load/server.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import { ragBenchOptions } from "./options.js";
import { renderRagReport } from "./render.js";
import { type RagReport, type TargetReport, writeRagReport } from "./report.js";
import { measureTarget } from "./target.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** The ragplane child runs alone on this core. */
const serverCpu = 0;
/** This process (the client) and the real engines run on this core. */
const loadCpu = 1;

/**
 * The RAG benchmark (`npm run bench:rag`, `-- --engines embedded|real` for one set only):
 * on the embedded engines, then on Kafka, Qdrant, Neo4j and Redis (started for the run
 * unless the environment names them), loads the same chunks through direct writes and
 * through ingestion, and compares one Retrieve with the Search and Neighbors calls a
 * client would make instead. Writes `bench/results/rag.md` and `rag.json`.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  const options = ragBenchOptions();
  await pinToCpu(process.pid, loadCpu);
  const targets: TargetReport[] = [];
  const skipped: string[] = [];
  for (const kind of options.engines) {
    const engines = await engineSet(kind, loadCpu, cleanup);
    if ("skipped" in engines) {
      skipped.push(engines.skipped);
      log(`skipped: ${engines.skipped}`);
      continue;
    }
    const server = await startLoadServer(
      await run.temporaryDir(`ragplane-bench-rag-${kind}-`),
      engines.env,
    );
    children.push(server.child);
    cleanup.add(`stop the ${kind} ragplane child`, () => server.child.stop());
    await pinToCpu(server.child.pid, serverCpu);
    log(`${kind}: ragplane pid ${server.child.pid} on ${engines.names}`);
    targets.push(
      await measureTarget(
        { kind, engines: engines.names, server: server.child, enginePids: engines.pids },
        options,
        log,
      ),
    );
    await server.child.stop();
  }
  const report: RagReport = {
    date,
    durationMs: performance.now() - began,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options,
    targets,
    skipped,
  };
  const markdown = renderRagReport(report);
  const files = await writeRagReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  for (const target of targets) {
    log(
      `${target.kind}: ingestion / direct ${target.ingestRatio.toFixed(3)}, ` +
        `Retrieve / Search + Neighbors ${target.retrieveRatio.toFixed(3)} (target > 1: ${target.retrieveRatio > 1 ? "pass" : "miss"})`,
    );
  }
  log(`wrote ${files.join(", ")}`);
}

const log = benchLog("rag");

runBench("rag", main);
