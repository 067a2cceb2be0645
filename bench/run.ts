import { fileURLToPath } from "node:url";
import { hnsw } from "../clients/vectors/embedded/collection.js";
import { deriveChecks } from "./checks.js";
import { type BenchChild, startChild } from "./children.js";
import { generateDataset } from "./dataset.js";
import { benchEcho } from "./echo.js";
import { benchInProcess } from "./in-process.js";
import { loadAverage, machineInfo } from "./machine.js";
import { benchOptions } from "./options.js";
import { summarizeProfile } from "./profile.js";
import { benchRagplane } from "./remote.js";
import { type BenchReport, renderMarkdown, writeReport } from "./report.js";
import { pointBatches, searchResponseBytes } from "./requests.js";
import { type BenchRun, benchLog, runBench } from "./runner.js";

const profiledFunctions = 30;
const resultsDir = fileURLToPath(new URL("results/", import.meta.url));

/**
 * The benchmark of ragplane's vectors path (`npm run bench`): starts ragplane and a bare
 * grpc-js echo server as child processes on loopback, loads and searches ragplane over
 * grpc-js, runs the same work on an in-process embedded store, and writes
 * `bench/results/search.md` and `search.json`. Children are stopped however it ends.
 */
async function main(run: BenchRun): Promise<void> {
  const { date, loadAtStart, cleanup, children } = run;
  const options = benchOptions();
  const dataset = generateDataset(options.dataset);
  const batches = pointBatches(dataset, options.batchSize);
  const serverDir = await run.temporaryDir("ragplane-bench-server-");
  const storeDir = await run.temporaryDir("ragplane-bench-store-");
  const [server, echo] = await startAll(children, [
    startChild("ragplane", {
      entry: "server-process.ts",
      env: {
        DATA_DIR: serverDir,
        GRPC_PORT: "0",
        HTTP_PORT: "0",
        METRICS_PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        SHUTDOWN_GRACE_MS: "2000",
      },
    }),
    startChild("echo", {
      entry: "echo-server.ts",
      args: [String(searchResponseBytes(dataset, options.limit))],
    }),
  ]);
  cleanup.add("stop children", () => Promise.all(children.map((child) => child.stop())));

  log(`ragplane pid ${server.pid} on :${server.port}, echo pid ${echo.pid} on :${echo.port}`);
  const ragplane = await benchRagplane(server, options, batches, dataset.queries);
  log(`ragplane: ${Math.round(ragplane.search.throughput)} searches/s`);
  const echoResult = await benchEcho(echo, options, dataset.queries);
  log(`echo: ${Math.round(echoResult.throughput)} calls/s`);
  const inProcess = await benchInProcess(storeDir, options, batches, dataset.queries);
  log(`in-process: ${Math.round(inProcess.search.throughput)} searches/s`);

  const report: BenchReport = {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options,
    hnsw,
    scenarios: [ragplane.upsert, inProcess.upsert, ragplane.search, inProcess.search, echoResult],
    checks: deriveChecks(ragplane, inProcess, echoResult, options.batchSize),
    ...(options.searchProfile === undefined
      ? {}
      : {
          searchProfile: await summarizeProfile(
            options.searchProfile,
            ragplane.search.requests,
            profiledFunctions,
          ),
        }),
  };
  const files = await writeReport(resultsDir, report);
  process.stdout.write(renderMarkdown(report));
  log(`wrote ${files.join(", ")}`);
}

/**
 * Starts children side by side, keeping every one that started in `started` (so it is
 * stopped later) even when another fails.
 */
async function startAll<const T extends readonly Promise<BenchChild>[]>(
  started: BenchChild[],
  starting: T,
): Promise<{ -readonly [K in keyof T]: BenchChild }> {
  const outcomes = await Promise.allSettled(starting);
  const children: BenchChild[] = [];
  for (const outcome of outcomes) if (outcome.status === "fulfilled") children.push(outcome.value);
  started.push(...children);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return children as { -readonly [K in keyof T]: BenchChild };
}

const log = benchLog("search");

runBench("search", main);
