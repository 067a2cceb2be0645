import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../server/config.js";
import type { BenchChild } from "../children.js";
import type { Cleanup } from "../cleanup.js";
import type { Env } from "../env.js";
import { pinToCpu } from "../ghz-rounds.js";
import { prepareTenant } from "./data.js";
import { provideRealEngines } from "./engines.js";
import type { LoadBenchOptions } from "./options.js";
import type { EnginesInfo, ServerInfo, TenantsInfo } from "./report.js";
import type { TenantPlan } from "./requests.js";
import { type LoadServer, startLoadServer } from "./server.js";

/** The tenants: one for the gRPC clients, one for the Connect JSON clients. */
export const tenants = { grpc: "load-grpc", connect: "load-connect" } as const;

/** A ragplane child with both tenants' data loaded, ready for load. */
export interface Target {
  readonly server: LoadServer;
  readonly engines: EnginesInfo;
  readonly serverInfo: ServerInfo;
  readonly plans: { readonly grpc: TenantPlan; readonly connect: TenantPlan };
  readonly tenants: TenantsInfo;
  /** The processes of the engines the run started. */
  readonly enginePids: readonly number[];
}

/** The cores: the server alone on one, everything else on the other. */
export interface Cores {
  readonly server: number;
  readonly load: number;
}

/**
 * Starts what `kind` needs (real engines: those the environment names, else private
 * ones on the load core), a ragplane child on a temporary DATA_DIR pinned to the server
 * core, and loads both tenants' data through the API. `cleanup` stops and removes it
 * all; `children` lists the child so it is killed however the run ends.
 */
export async function openTarget(
  kind: "embedded" | "real",
  options: LoadBenchOptions,
  env: Env,
  cores: Cores,
  cleanup: Cleanup,
  children: BenchChild[],
  log: (message: string) => void,
): Promise<Target> {
  let engineEnv: Readonly<Record<string, string>> = {};
  let engines: EnginesInfo = { kind, real: [] };
  let enginePids: readonly number[] = [];
  if (kind === "real") {
    log("real engines: starting (or reading them from the environment)");
    const real = await provideRealEngines(env, cores.load, cleanup);
    engineEnv = real.env;
    engines = { kind, real: real.real, source: real.source };
    enginePids = real.pids;
    log(`real engines (${real.source}): ${real.real.join(", ")}`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), `ragplane-bench-load-${kind}-`));
  cleanup.add(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const server = await startLoadServer(dataDir, engineEnv);
  children.push(server.child);
  cleanup.add("stop the ragplane child", () => server.child.stop());
  await pinToCpu(server.child.pid, cores.server);
  log(
    `ragplane pid ${server.child.pid} (gRPC :${server.grpcPort}, HTTP :${server.httpPort}, ` +
      `metrics :${server.metricsPort}) pinned to cpu ${cores.server}`,
  );
  const prepared = {
    grpc: await prepareTenant(
      server.child,
      tenants.grpc,
      await server.headers(tenants.grpc),
      options.data,
    ),
    connect: await prepareTenant(
      server.child,
      tenants.connect,
      await server.headers(tenants.connect),
      options.data,
    ),
  };
  for (const check of [...prepared.grpc.checks, ...prepared.connect.checks]) {
    log(`checked: ${check}`);
  }
  return {
    server,
    engines,
    serverInfo: serverInfo(server.config),
    plans: { grpc: prepared.grpc.plan, connect: prepared.connect.plan },
    tenants: {
      names: { gRPC: tenants.grpc, "Connect JSON": tenants.connect },
      loadMs: { [tenants.grpc]: prepared.grpc.loadMs, [tenants.connect]: prepared.connect.loadMs },
      checks: [...prepared.grpc.checks, ...prepared.connect.checks],
    },
    enginePids,
  };
}

function serverInfo(config: Config): ServerInfo {
  const budgets = Object.values(config.security.rateLimits.budgets);
  return {
    expensiveCallsPerTenant: config.security.expensiveCallsPerTenant,
    lowestRateLimit: Math.min(...budgets.flatMap((b) => [b.perTenant, b.perPrincipal])),
    lowestQuota: Math.min(...Object.values(config.quotas.defaults)),
  };
}
