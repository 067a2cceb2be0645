/** What a tenant's quotas bound, in the order reports list them. */
export const quotaResources = [
  "collections",
  "points",
  "stored_bytes",
  "topics",
  "partitions",
  "nodes",
  "relationships",
] as const;

/** One bounded resource. `stored_bytes` counts vector data: 4 bytes per dimension per point. */
export type QuotaResource = (typeof quotaResources)[number];

/** An amount of every resource: a tenant's usage, or its quotas (where 0 means no limit). */
export type ResourceAmounts = Readonly<Record<QuotaResource, number>>;

/** An amount of some resources, the others being 0: what one write adds. */
export type Demand = Partial<ResourceAmounts>;

/** Nothing of anything. */
export const noResources: ResourceAmounts = {
  collections: 0,
  points: 0,
  stored_bytes: 0,
  topics: 0,
  partitions: 0,
  nodes: 0,
  relationships: 0,
};

/** `base` plus `sign` times `demand`, resource by resource. */
export function plus(base: ResourceAmounts, demand: Demand, sign: 1 | -1 = 1): ResourceAmounts {
  const sum = { ...base };
  for (const resource of quotaResources) sum[resource] += sign * (demand[resource] ?? 0);
  return sum;
}

/** The store a resource is counted in: one engine each. */
export type ResourceGroup = "events" | "vectors" | "graphs";

/** Which store counts each resource. */
export const groupOf: Readonly<Record<QuotaResource, ResourceGroup>> = {
  collections: "vectors",
  points: "vectors",
  stored_bytes: "vectors",
  topics: "events",
  partitions: "events",
  nodes: "graphs",
  relationships: "graphs",
};

/** Every group, in report order. */
export const resourceGroups: readonly ResourceGroup[] = ["vectors", "events", "graphs"];
