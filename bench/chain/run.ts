import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { embeddedEngineEnv } from "../../tests/support/engine-env.js";
import { type BenchChild, startChild } from "../children.js";
import { generateDataset } from "../dataset.js";
import { ensureGhz } from "../ghz.js";
import { pinToCpu, runGhzRounds } from "../ghz-rounds.js";
import { loadAverage, machineInfo } from "../machine.js";
import { type BenchRun, benchLog, runBench } from "../runner.js";
import {
  type ChainCheck,
  type ConfigurationName,
  chainChecks,
  chainCosts,
  echoCheck,
} from "./checks.js";
import { type CollectorSource, provideCollector } from "./collector.js";
import { chainBenchOptions } from "./options.js";
import { provideRedis, type RedisSource, redisStats } from "./redis.js";
import { renderChainReport } from "./render.js";
import type { ChainReport, ConfigurationReport, RedisReport } from "./report.js";
import { writeChainReport } from "./report.js";
import {
  chainRpcs,
  echoGetCollectionPath,
  getCollectionPath,
  type PreparedServer,
  prepareServer,
} from "./workload.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** ghz, the collector and Redis run on this core; the ragplane children on the other. */
const loadCpu = 0;
const serverCpu = 1;

/**
 * A server configuration: which chain, whether limits are counted in Redis, whether
 * metrics are kept and whether calls are traced.
 */
interface Configuration {
  readonly name: ConfigurationName;
  readonly description: string;
  readonly chain: "full" | "empty";
  readonly redis: boolean;
  readonly metrics: boolean;
  readonly tracing: boolean;
}

const fullChain =
  "the production chain: request id, tracing, logging, metrics, error mapping, deadline, " +
  "authentication (JWT, from the verifier's cache), authorization, rate limit, validation; " +
  "Prometheus metrics on (the default), engine calls timed";

const configurations: readonly Configuration[] = [
  {
    name: "full",
    description: `${fullChain}; tracing off (no OTLP endpoint, the default); limits in process memory`,
    chain: "full",
    redis: false,
    metrics: true,
    tracing: false,
  },
  {
    name: "full-redis",
    description: `${fullChain}; tracing off; REDIS_URL set, so limits are counted in Redis (and the token denylist is read from it)`,
    chain: "full",
    redis: true,
    metrics: true,
    tracing: false,
  },
  {
    name: "full-unmetered",
    description: `${fullChain.replace("; Prometheus metrics on (the default), engine calls timed", "")}; METRICS_ENABLED=false: no metrics, engine calls not timed; tracing off; limits in process memory`,
    chain: "full",
    redis: false,
    metrics: false,
    tracing: false,
  },
  {
    name: "full-traced",
    description: `${fullChain}; tracing on, every call sampled (OTEL_TRACES_SAMPLER=always_on), spans exported over OTLP/HTTP to a local OpenTelemetry Collector writing them to a file; limits in process memory`,
    chain: "full",
    redis: false,
    metrics: true,
    tracing: true,
  },
  {
    name: "empty",
    description: "one interceptor that sets the tenant; no metrics, no tracing",
    chain: "empty",
    redis: false,
    metrics: false,
    tracing: false,
  },
];

/** Engine variables every child gets emptied, so it runs on embedded engines. */
/**
 * The chain benchmark (`npm run bench:chain`): ragplane children with the full interceptor
 * chain (limits in memory, and in Redis) and with an empty chain, measured in interleaved
 * rounds on GetCollection and Search over grpc-js. Writes `bench/results/chain.md` and
 * `chain.json`. Children and the Redis it started are stopped however it ends.
 */
async function main(run: BenchRun): Promise<void> {
  const { began, date, loadAtStart, cleanup, children } = run;
  const options = chainBenchOptions();
  const prepared: PreparedServer[] = [];
  const redis = await provideRedis(options.redisUrl, cleanup);
  const collector = await provideCollector(options.collectorEndpoint, cleanup);
  const skipped = [
    ...(redis.kind === "missing"
      ? [`the full-redis configuration (Redis-backed limits): ${redis.reason}.`]
      : []),
    ...(collector.kind === "missing"
      ? [`the full-traced configuration (tracing on): ${collector.reason}.`]
      : []),
  ];
  for (const line of skipped) log(`skipped: ${line}`);
  const running = configurations.filter(
    (c) => (!c.redis || redis.kind !== "missing") && (!c.tracing || collector.kind !== "missing"),
  );

  const starting = await Promise.allSettled(
    running.map(async (configuration) =>
      startServer(configuration, await run.temporaryDir("ragplane-bench-chain-"), redis, collector),
    ),
  );
  for (const outcome of starting) if (outcome.status === "fulfilled") children.push(outcome.value);
  cleanup.add("stop the ragplane children", () => Promise.all(children.map((c) => c.stop())));
  const failed = starting.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  log(running.map((c, i) => `${c.name} pid ${children[i]!.pid}`).join(", "));

  const dataset = generateDataset(options.dataset);
  for (const [i, configuration] of running.entries()) {
    prepared.push(await prepareServer(configuration.name, children[i]!, dataset, options));
  }
  cleanup.add("close the clients", () => {
    for (const server of prepared) server.close();
  });

  const echo = await startChild("bare-echo", {
    entry: "echo-server.ts",
    args: [`base64:${prepared[0]!.getCollectionResponse.toString("base64")}`, getCollectionPath],
  });
  children.push(echo);
  const paths = [
    ...chainRpcs.flatMap((rpc) => prepared.map((server) => server.paths[rpc])),
    echoGetCollectionPath(echo, dataset.spec.points),
  ];
  const ghz = await ensureGhz();
  for (const child of children) await pinToCpu(child.pid, serverCpu);
  for (const engine of [redis, collector]) {
    if (engine.kind === "started") await pinToCpu(engine.pid, loadCpu);
  }
  const redisUrl = redis.kind === "missing" ? undefined : redis.url;
  const redisBefore = redisUrl === undefined ? undefined : await redisStats(redisUrl);
  log(
    `measuring ${paths.map((p) => p.name).join(", ")} with ghz on cpu ${loadCpu}, servers on cpu ${serverCpu}`,
  );
  const results = await runGhzRounds(paths, {
    rounds: options.rounds,
    concurrency: options.concurrency,
    measureMs: options.measureMs,
    warmupMs: options.warmupMs,
    ghz,
    loadCpu,
  });
  const redisCalls = results
    .filter((result) => result.name.endsWith("/full-redis"))
    .reduce((total, result) => total + result.requests, 0);
  const redisAfter = redisUrl === undefined ? undefined : await redisStats(redisUrl);

  const checks = [...chainChecks(results), ...echoCheck(results)];
  const report: ChainReport = {
    date,
    durationMs: performance.now() - began,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options: withoutUrl(options),
    redis: redisReport(redis, redisBefore, redisAfter, redisCalls),
    configurations: running.map(
      (c, i): ConfigurationReport => ({
        name: c.name,
        description: c.description,
        withoutCredentials: prepared[i]!.withoutCredentials,
      }),
    ),
    checks,
    costs: chainCosts(results),
    paths: results,
    skipped,
  };
  const markdown = renderChainReport(report);
  const files = await writeChainReport(resultsDir, report, markdown);
  process.stdout.write(markdown);
  for (const check of checks) log(summary(check));
  log(`wrote ${files.join(", ")}`);
}

function startServer(
  configuration: Configuration,
  dataDir: string,
  redis: RedisSource,
  collector: CollectorSource,
): Promise<BenchChild> {
  const tracing: Record<string, string> =
    configuration.tracing && collector.kind !== "missing"
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
          OTEL_TRACES_SAMPLER: "always_on",
          OTEL_NODE_RESOURCE_DETECTORS: "none",
        }
      : {};
  return startChild(`ragplane-${configuration.name}`, {
    entry: "server-process.ts",
    args: [`--chain=${configuration.chain}`],
    env: {
      ...embeddedEngineEnv,
      ...(configuration.redis && redis.kind !== "missing" ? { REDIS_URL: redis.url } : {}),
      ...tracing,
      METRICS_ENABLED: String(configuration.metrics),
      DATA_DIR: dataDir,
      GRPC_PORT: "0",
      HTTP_PORT: "0",
      METRICS_PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      AUTH_METHODS: "api-key,jwt",
      SHUTDOWN_GRACE_MS: "2000",
    },
  });
}

function redisReport(
  redis: RedisSource,
  before: { commandsProcessed: number } | undefined,
  after: { version: string; commandsProcessed: number } | undefined,
  calls: number,
): RedisReport {
  if (redis.kind === "missing") return { source: "missing", reason: redis.reason };
  const commands =
    (after?.commandsProcessed ?? Number.NaN) - (before?.commandsProcessed ?? Number.NaN);
  return {
    source: redis.kind,
    version: after?.version ?? "unknown",
    commandsPerCall: calls > 0 ? commands / calls : Number.NaN,
  };
}

function withoutUrl(options: ReturnType<typeof chainBenchOptions>): ChainReport["options"] {
  const { redisUrl: _url, collectorEndpoint: _endpoint, ...rest } = options;
  return rest;
}

function summary(check: ChainCheck): string {
  const target =
    check.min === undefined
      ? "no target"
      : `target ≥ ${check.min}: ${check.pass ? "pass" : "miss"}`;
  return `${check.name}: ${check.value.toFixed(3)} (${target})`;
}

const log = benchLog("chain");

runBench("chain", main);
