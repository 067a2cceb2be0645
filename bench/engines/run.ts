import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { BenchChild } from "../children.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import { type RatioCheck, ratioChecks } from "./checks.js";
import { prepareNeighbors } from "./neighbors.js";
import { enginesBenchOptions } from "./options.js";
import { type PathProfile, type ProfileLoad, profilePath } from "./profile.js";
import { preparePublish } from "./publish.js";
import { renderEnginesReport } from "./render.js";
import { type EnginesReport, writeEnginesReport } from "./report.js";
import { type BenchPath, runRounds } from "./rounds.js";
import { startRagplane } from "./servers.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/**
 * The real-engine benchmark (`npm run bench:engines`): ragplane in child processes, on the
 * real engines named by the environment and on its embedded ones, against the engines' own
 * clients driven from this process, on the same workloads in interleaved rounds. Writes
 * `bench/results/engines.md` and `engines.json`. It never starts engines; children are
 * stopped however it ends.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  // As in the production image, which runs compiled JavaScript without source maps:
  // with them on, every Error's stack is mapped, and neo4j-driver makes one per query.
  process.setSourceMapsEnabled(false);
  const options = enginesBenchOptions();
  const { engines } = options;
  const runId = Date.now().toString(36);
  const skipped = skippedParts(options.engines);
  for (const line of skipped) log(`skipped: ${line}`);
  const hasReal = engines.kafkaBrokers !== undefined || engines.neo4j !== undefined;
  const starting = [
    startRagplane("embedded", engines, await run.temporaryDir("ragplane-bench-embedded-")),
    ...(hasReal
      ? [startRagplane("real", engines, await run.temporaryDir("ragplane-bench-real-"))]
      : []),
  ];
  const started = await Promise.allSettled(starting);
  for (const outcome of started) if (outcome.status === "fulfilled") children.push(outcome.value);
  cleanup.add("stop the ragplane children", () => Promise.all(children.map((c) => c.stop())));
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const [embedded, real] = children as [BenchChild, BenchChild | undefined];
  log(`children: embedded pid ${embedded.pid}${real ? `, real pid ${real.pid}` : ""}`);

  const rounds = {
    rounds: options.rounds,
    concurrency: options.concurrency,
    measureMs: options.measureMs,
    warmupMs: options.warmupMs,
  };
  const publish = await preparePublish(
    options,
    { ...(engines.kafkaBrokers === undefined ? {} : { kafka: real }), embedded },
    runId,
    cleanup,
  );
  log(`publish: measuring ${publish.paths.map((p) => p.name).join(", ")}`);
  const publishResults = await runRounds(publish.paths, {
    ...rounds,
    maxRequests: options.publish.maxRequests,
    warmupRequests: options.publish.warmupRequests,
  });
  const written = await publish.written();

  log("neighbors: loading the graph");
  const neighbors = await prepareNeighbors(
    options,
    { ...(engines.neo4j === undefined ? {} : { neo4j: real }), embedded },
    cleanup,
  );
  log(`neighbors: measuring ${neighbors.paths.map((p) => p.name).join(", ")}`);
  const neighborsResults = await runRounds(neighbors.paths, {
    ...rounds,
    maxRequests: options.graph.maxRequests,
    warmupRequests: options.graph.maxRequests,
  });

  const checks = [
    ...ratioChecks(
      "Publish",
      publishResults,
      "kafkajs-direct",
      "ragplane-kafka",
      "ragplane-embedded",
    ),
    ...ratioChecks(
      "Neighbors",
      neighborsResults,
      "neo4j-direct",
      "ragplane-neo4j",
      "ragplane-embedded",
    ),
  ];
  const load = {
    concurrency: options.concurrency,
    durationMs: options.measureMs,
    topFunctions: options.profiledFunctions,
  };
  const profiles = await profilePaths(
    checks,
    [
      ...publish.paths.map((path) => ({
        path,
        load: { ...load, maxRequests: options.publish.maxRequests },
      })),
      ...neighbors.paths.map((path) => ({
        path,
        load: { ...load, maxRequests: options.graph.maxRequests },
      })),
    ],
    options.profile,
  );

  const { engines: _urls, ...shape } = options;
  const report: EnginesReport = {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    engines: {
      kafka: engines.kafkaBrokers !== undefined,
      redis: engines.redisUrl !== undefined,
      neo4j: engines.neo4j !== undefined,
    },
    options: shape,
    publish: { paths: publishResults, written },
    neighbors: {
      paths: neighborsResults,
      loads: neighbors.loads,
      compared: neighbors.compared,
      mismatches: neighbors.mismatches,
      answerSize: neighbors.answerSize,
    },
    skipped,
    checks,
    profiles,
    durationMs: performance.now() - began,
  };
  const markdown = renderEnginesReport(report);
  const files = await writeEnginesReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  log(`wrote ${files.join(", ")}`);
}

function skippedParts(engines: ReturnType<typeof enginesBenchOptions>["engines"]): string[] {
  const skipped: string[] = [];
  if (engines.kafkaBrokers === undefined) {
    skipped.push(
      "Publish against Kafka (ragplane-kafka, kafkajs-direct): KAFKA_BROKERS is not set; only ragplane-embedded ran.",
    );
  } else if (engines.redisUrl === undefined) {
    skipped.push(
      "Redis: REDIS_URL is not set, so ragplane-kafka kept its idempotency index in its own memory instead of Redis.",
    );
  }
  if (engines.neo4j === undefined) {
    skipped.push(
      "Neighbors against Neo4j (ragplane-neo4j, neo4j-direct): NEO4J_URL or NEO4J_PASSWORD is not set; only ragplane-embedded ran.",
    );
  }
  return skipped;
}

/**
 * Profiles, one extra run each, the ragplane paths whose target was missed (or, with
 * `always`, every path that has a target), after removing the profiles of earlier runs.
 */
async function profilePaths(
  checks: readonly RatioCheck[],
  paths: readonly { readonly path: BenchPath; readonly load: ProfileLoad }[],
  which: "misses" | "always",
): Promise<PathProfile[]> {
  for (const file of await readdir(resultsDir).catch(() => [])) {
    if (/^engines-.*\.cpuprofile$/.test(file)) await rm(join(resultsDir, file), { force: true });
  }
  const profiles: PathProfile[] = [];
  for (const check of checks) {
    if (check.pass === undefined || (which === "misses" && check.pass)) continue;
    const target = paths.find((p) => p.path.name === check.path);
    if (target === undefined) continue;
    log(`profiling ${check.path} (throughput ratio ${check.value.toFixed(3)})`);
    const file = join(resultsDir, `engines-${check.path}.cpuprofile`);
    profiles.push(await profilePath(target.path, target.load, file));
  }
  return profiles;
}

const log = benchLog("engines");

runBench("engines", main);
