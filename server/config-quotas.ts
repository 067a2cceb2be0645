import { readFileSync } from "node:fs";
import type { EnvReader } from "./env-reader.js";
import {
  type Demand,
  type QuotaResource,
  quotaResources,
  type ResourceAmounts,
} from "./quotas/resources.js";

/** Per-tenant quotas: one default for every tenant, and overrides for some. */
export interface QuotaConfig {
  /**
   * Every tenant's quotas unless overridden, from `QUOTA_COLLECTIONS`, `QUOTA_POINTS`,
   * `QUOTA_STORED_BYTES`, `QUOTA_TOPICS`, `QUOTA_PARTITIONS`, `QUOTA_NODES` and
   * `QUOTA_RELATIONSHIPS` (defaults in {@link defaultQuotas}); 0 is no limit.
   */
  readonly defaults: ResourceAmounts;
  /**
   * `QUOTAS_FILE`: a JSON file of overrides, `{"tenants": {"acme": {"points": 50000000}}}`,
   * resources named as in `quotaResources`. Read at start.
   */
  readonly tenants: ReadonlyMap<string, Demand>;
  /**
   * `QUOTA_USAGE_MAX_AGE_MS`: how old a measured usage may be and still admit a write
   * that stays under 90 % of a quota without measuring again. Default 10 000.
   */
  readonly usageMaxAgeMs: number;
}

/** Quotas of a tenant nobody configured. */
export const defaultQuotas: ResourceAmounts = {
  collections: 1_000,
  points: 10_000_000,
  stored_bytes: 64 * 1024 ** 3,
  topics: 1_000,
  partitions: 10_000,
  nodes: 10_000_000,
  relationships: 50_000_000,
};

const maxQuota = Number.MAX_SAFE_INTEGER;

/** The environment variable of each resource's default quota. */
export const quotaVariables: Readonly<Record<QuotaResource, string>> = {
  collections: "QUOTA_COLLECTIONS",
  points: "QUOTA_POINTS",
  stored_bytes: "QUOTA_STORED_BYTES",
  topics: "QUOTA_TOPICS",
  partitions: "QUOTA_PARTITIONS",
  nodes: "QUOTA_NODES",
  relationships: "QUOTA_RELATIONSHIPS",
};

/** Reads {@link QuotaConfig}, including the overrides file. */
export function readQuotas(read: EnvReader): QuotaConfig {
  const defaults = { ...defaultQuotas };
  for (const resource of quotaResources) {
    defaults[resource] = read.integer(
      quotaVariables[resource],
      defaultQuotas[resource],
      0,
      maxQuota,
    );
  }
  const file = read.optional("QUOTAS_FILE");
  return {
    defaults,
    tenants: file === undefined ? new Map() : readOverrides(file, read),
    usageMaxAgeMs: read.integer("QUOTA_USAGE_MAX_AGE_MS", 10_000, 0, 3_600_000),
  };
}

/** A tenant's quotas: its overrides over the defaults. */
export function quotasOf(config: QuotaConfig, tenant: string): ResourceAmounts {
  const overrides = config.tenants.get(tenant);
  return overrides === undefined ? config.defaults : { ...config.defaults, ...overrides };
}

function readOverrides(path: string, read: EnvReader): Map<string, Demand> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    read.problem(`QUOTAS_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
    return new Map();
  }
  const tenants = isObject(parsed) ? parsed.tenants : undefined;
  if (!isObject(tenants)) {
    read.problem(`QUOTAS_FILE ${path} must be {"tenants": {"<tenant>": {"<resource>": n}}}`);
    return new Map();
  }
  const overrides = new Map<string, Demand>();
  for (const [tenant, quotas] of Object.entries(tenants)) {
    const demand = isObject(quotas) ? toDemand(quotas) : undefined;
    if (demand === undefined) {
      read.problem(
        `QUOTAS_FILE ${path}: tenant "${tenant}" must map resources (${quotaResources.join(", ")}) to integers from 0`,
      );
    } else {
      overrides.set(tenant, demand);
    }
  }
  return overrides;
}

function toDemand(quotas: Record<string, unknown>): Demand | undefined {
  const demand: Partial<Record<QuotaResource, number>> = {};
  for (const [key, value] of Object.entries(quotas)) {
    const resource = quotaResources.find((name) => name === key);
    if (resource === undefined || !Number.isSafeInteger(value) || (value as number) < 0) {
      return undefined;
    }
    demand[resource] = value as number;
  }
  return demand;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
