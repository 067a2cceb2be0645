import type { Registry } from "prom-client";
import type { QuotaMetrics } from "../quotas/ledger.js";
import {
  type Demand,
  type QuotaResource,
  quotaResources,
  type ResourceAmounts,
} from "../quotas/resources.js";
import { FastCounter, FastGauge } from "./instruments.js";

/** Share of a quota from which a tenant counts as near it. */
export const nearQuotaShare = 0.9;

/**
 * Quota metrics without a tenant label (tenants are unbounded; the admin RPC
 * `GetTenantUsage` has each one's figures): refusals by resource, and, over the tenants as
 * last measured by this process, the highest usage-to-quota ratio and how many tenants
 * are at 90 % of a quota or more.
 */
export class QuotaGauges implements QuotaMetrics {
  private readonly refusals: FastCounter;
  private readonly highest: FastGauge;
  private readonly near: FastGauge;
  private readonly ratios = new Map<string, Partial<Record<QuotaResource, number>>>();

  constructor(registry: Registry) {
    this.refusals = new FastCounter(
      registry,
      "ragplane_quota_refusals_total",
      "Writes refused as RESOURCE_EXHAUSTED by a tenant quota, by resource.",
    );
    this.highest = new FastGauge(
      registry,
      "ragplane_quota_usage_ratio_max",
      "Highest usage-to-quota ratio of any tenant as last measured, by resource.",
    );
    this.near = new FastGauge(
      registry,
      "ragplane_tenants_near_quota",
      "Tenants using 90 % of a quota or more as last measured, by resource.",
    );
  }

  quotaRefused(resource: QuotaResource): void {
    this.refusals.child({ resource }).inc();
  }

  usageMeasured(tenant: string, usage: Demand, quotas: ResourceAmounts): void {
    const ratios = this.ratios.get(tenant) ?? {};
    const measured = quotaResources.filter((resource) => usage[resource] !== undefined);
    for (const resource of measured) {
      const quota = quotas[resource];
      ratios[resource] = quota > 0 ? (usage[resource] ?? 0) / quota : 0;
    }
    this.ratios.set(tenant, ratios);
    for (const resource of measured) {
      let highest = 0;
      let near = 0;
      for (const tenantRatios of this.ratios.values()) {
        const ratio = tenantRatios[resource] ?? 0;
        highest = Math.max(highest, ratio);
        if (ratio >= nearQuotaShare) near++;
      }
      this.highest.child({ resource }).set(highest);
      this.near.child({ resource }).set(near);
    }
  }
}
