import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type BenchChild, killChildrenOnExit } from "../children.js";
import { Cleanup } from "../cleanup.js";
import { ensureGhz } from "../ghz.js";
import { pinToCpu } from "../ghz-rounds.js";
import { loadAverage, machineInfo } from "../machine.js";
import { benchLog, runBench } from "../runner.js";
import type { CpuActors } from "./cpu.js";
import { loadSplit, runLoad } from "./load-phase.js";
import { NodeLoad } from "./load-process.js";
import { type LoadBenchOptions, loadBenchOptions } from "./options.js";
import { renderLoadReport } from "./render.js";
import {
  type LoadPart,
  type LoadReportFile,
  type RunInfo,
  type SoakPart,
  writeLoadReport,
} from "./report.js";
import { runSoak } from "./soak.js";
import { type Cores, openTarget, type Target } from "./target.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/** The server runs alone on cpu 0; ghz, the Node load, this process and engines on cpu 1. */
const cores: Cores = { server: 0, load: 1 };

/**
 * The load benchmark (`npm run bench:load`; `-- --quick`, `-- --engines real`, `-- --soak`):
 * a ragplane child on embedded engines (and then on real ones), pinned to its own core,
 * with two tenants' data loaded through the API; then either 60 s of mixed load from
 * 500 gRPC calls in flight (ghz) and 100 Connect JSON ones (a Node load process), or a
 * 10-minute soak at a steady rate that samples the server's memory and handles. Writes
 * `bench/results/load.md` and `load.json`. Everything it started is stopped, and its data
 * removed, however it ends.
 */
async function main(): Promise<void> {
  const options = loadBenchOptions();
  await pinToCpu(process.pid, cores.load);
  const ghz = options.mode === "load" ? await ensureGhz() : "";
  const parts: Record<string, LoadPart | SoakPart> = {};
  for (const kind of options.engines) {
    const key = `${options.mode}${kind === "real" ? "Real" : "Embedded"}`;
    parts[key] = await runPart(kind, options, ghz);
    const files = await writeLoadReport(
      resultsDir,
      options.quick,
      parts as LoadReportFile,
      renderLoadReport,
    );
    log(`wrote ${files.join(", ")}`);
  }
}

async function runPart(
  kind: "embedded" | "real",
  options: LoadBenchOptions,
  ghz: string,
): Promise<LoadPart | SoakPart> {
  const began = performance.now();
  const date = new Date().toISOString();
  const loadAtStart = loadAverage();
  const cleanup = new Cleanup();
  const children: BenchChild[] = [];
  const killChildren = killChildrenOnExit(children, cleanup);
  try {
    const target = await openTarget(kind, options, process.env, cores, cleanup, children, log);
    const node = await NodeLoad.start(cores.load, [
      {
        name: "connect-json",
        protocol: "connect-json",
        address: `http://127.0.0.1:${target.server.httpPort}`,
        plan: target.plans.connect,
      },
      {
        name: "grpc",
        protocol: "grpc",
        address: `127.0.0.1:${target.server.grpcPort}`,
        plan: target.plans.grpc,
      },
    ]);
    cleanup.add("stop the Node load process", () => node.stop());
    const info = (): RunInfo => ({
      date,
      durationMs: performance.now() - began,
      machine: machineInfo(),
      loadAverage: { start: loadAtStart, end: loadAverage() },
      cpus: cores,
      quick: options.quick,
    });
    const common = (t: Target) => ({
      engines: t.engines,
      server: t.serverInfo,
      data: options.data,
      tenants: t.tenants,
    });
    if (options.mode === "soak") {
      log(`soak: ${options.soak.rate} calls/s for ${options.soak.minutes} min on ${kind} engines`);
      const figures = await runSoak(
        { pids: cpuActors(target, node), metricsPort: target.server.metricsPort, node },
        options.soak,
        log,
      );
      return { ...info(), ...common(target), shape: options.soak, figures };
    }
    const scale = kind === "real" ? options.load.realScale : 1;
    const split = loadSplit(options.load, scale);
    log(
      `load on ${kind} engines: gRPC ${JSON.stringify(split.grpc)}, Connect ${JSON.stringify(split.connect)}`,
    );
    const figures = await runLoad(
      {
        ghz,
        pids: cpuActors(target, node),
        grpcAddress: `127.0.0.1:${target.server.grpcPort}`,
        metricsPort: target.server.metricsPort,
        grpcPlan: target.plans.grpc,
        node,
        loadCpu: cores.load,
      },
      options.load,
      split,
      log,
    );
    return { ...info(), ...common(target), shape: options.load, scale, figures };
  } finally {
    await cleanup.run();
    killChildren();
  }
}

function cpuActors(target: Target, node: NodeLoad): CpuActors {
  return { server: target.server.child.pid, load: [node.pid], engines: target.enginePids };
}

const log = benchLog("load");

runBench("load", main);
