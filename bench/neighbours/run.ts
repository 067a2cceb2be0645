import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateDataset } from "../dataset.js";
import { generateGraph, startNodes } from "../engines/graph.js";
import { pinToCpu } from "../ghz-rounds.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import { checkAnswers } from "./checks.js";
import { loadTenant } from "./data.js";
import { generateNoisyGraph } from "./graph.js";
import { type NoisyCalls, noisyKinds, type QuietCalls, quietKinds } from "./kinds.js";
import { LoadProcess } from "./load-process.js";
import { neighboursOptions } from "./options.js";
import { runPhases } from "./phases.js";
import { renderNeighboursReport } from "./render.js";
import { headline, type NeighboursReport, writeNeighboursReport } from "./report.js";
import { expensiveCallsPerTenant, startServer, tenantHeaders, tenants } from "./server.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** The ragplane child runs alone on this core. */
const serverCpu = 0;
/** The load processes, and this one, run on this core. */
const loadCpu = 1;

/**
 * The noisy-neighbour benchmark (`npm run bench:neighbours`, `-- --quick` for a short
 * run): one ragplane child on embedded engines, pinned to its own core; tenant A loads a
 * large graph and collection and runs three loops of expensive calls while tenant B sends
 * cheap calls on a fixed schedule; B's latency alone and beside A, A's completions and
 * status codes, and the server's CPU per call are written to
 * `bench/results/neighbours.md` and `neighbours.json`. Everything it started is stopped,
 * and its data removed, however it ends.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  const options = neighboursOptions();
  await pinToCpu(process.pid, loadCpu);
  const dataDir = await run.temporaryDir("ragplane-bench-neighbours-");
  const server = await startServer(dataDir);
  children.push(server);
  cleanup.add("stop the ragplane child", () => server.stop());
  await pinToCpu(server.pid, serverCpu);
  log(`ragplane pid ${server.pid} on :${server.port}, pinned to cpu ${serverCpu}`);
  const noisyHeaders = await tenantHeaders(dataDir, tenants.noisy);
  const quietHeaders = await tenantHeaders(dataDir, tenants.quiet);

  const graph = generateNoisyGraph(options.noisyGraph, options.seed);
  const noisy: NoisyCalls = {
    spec: options.noisyGraph,
    pairs: graph.pairs,
    starts: graph.starts,
    collection: "noisy",
    vectors: generateDataset(options.noisyVectors),
    limit: options.searchLimit,
  };
  const quietGraph = generateGraph({ ...options.quietGraph, seed: options.seed });
  const quiet: QuietCalls = {
    collection: "quiet",
    nodeIds: startNodes(quietGraph, 100, options.seed),
    vectors: generateDataset(options.quietVectors),
    limit: options.searchLimit,
  };
  log(
    `loading tenant A: ${graph.nodes.length} nodes, ${graph.relationships.length} relationships, ` +
      `${noisy.vectors.spec.points} × ${noisy.vectors.spec.dimension} vectors`,
  );
  const batches = { graphBatch: options.noisyGraph.loadBatch, vectorBatch: options.upsertBatch };
  const loads = {
    noisy: await loadTenant(server, {
      headers: noisyHeaders,
      graph,
      collection: noisy.collection,
      vectors: noisy.vectors,
      ...batches,
    }),
    quiet: await loadTenant(server, {
      headers: quietHeaders,
      graph: quietGraph,
      collection: quiet.collection,
      vectors: quiet.vectors,
      ...batches,
    }),
  };
  log(
    `tenant A loaded: nodes ${seconds(loads.noisy.graph.nodesMs)}, relationships ` +
      `${seconds(loads.noisy.graph.relationshipsMs)}, vectors ${seconds(loads.noisy.vectorsMs)}`,
  );
  const checks = await checkAnswers(
    server,
    { headers: noisyHeaders, calls: noisy },
    { headers: quietHeaders, calls: quiet },
  );
  for (const check of checks) log(`checked: ${check}`);

  const address = `127.0.0.1:${server.port}`;
  const loaders: LoadProcess[] = [];
  cleanup.add("stop the load processes", () => Promise.all(loaders.map((l) => l.stop())));
  const noisyLoad = await LoadProcess.start(
    "tenant A load",
    loadCpu,
    address,
    noisyHeaders,
    noisyKinds(noisy),
  );
  loaders.push(noisyLoad);
  const quietLoad = await LoadProcess.start(
    "tenant B load",
    loadCpu,
    address,
    quietHeaders,
    quietKinds(quiet),
  );
  loaders.push(quietLoad);
  const phases = await runPhases(
    { serverPid: server.pid, noisy: noisyLoad, quiet: quietLoad },
    options,
    log,
  );

  const report: NeighboursReport = {
    date,
    durationMs: performance.now() - began,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options,
    tenants,
    expensiveCallsPerTenant: expensiveCallsPerTenant(dataDir),
    cpus: { server: serverCpu, load: loadCpu },
    loads,
    pathHops: countBy(graph.pairs.map((pair) => String(pair.hops))),
    checks,
    headline: headline(phases, options.p99TargetMs),
    phases,
  };
  const markdown = renderNeighboursReport(report);
  const files = await writeNeighboursReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  log(`wrote ${files.join(", ")}`);
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const log = benchLog("neighbours");

runBench("neighbours", main);
