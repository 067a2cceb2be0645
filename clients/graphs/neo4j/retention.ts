import { int } from "neo4j-driver";
import type { DeleteNodesResult, LabelMaxAge } from "../port.js";
import { writtenAtKey } from "./conversion.js";
import { checkGraphName, labelRetentionLabel, nodeLabel, quoteName } from "./cypher.js";
import type { Step } from "./transactions.js";

/**
 * Sets or clears a tenant's maximum age of `label`: one `(:_RpLabelRetention {tenant,
 * label, maxAgeMs})` node, unique per (tenant, label), kept in the graph itself so every
 * replica reads the same settings.
 */
export async function setLabelMaxAge(
  step: Step,
  tenant: string,
  label: string,
  maxAgeMs: number | undefined,
): Promise<void> {
  if (maxAgeMs === undefined) {
    await step.run(`MATCH (l:${labelRetentionLabel} {tenant: $tenant, label: $label}) DELETE l`, {
      tenant,
      label,
    });
    return;
  }
  await step.run(
    `MERGE (l:${labelRetentionLabel} {tenant: $tenant, label: $label}) SET l.maxAgeMs = $maxAgeMs`,
    { tenant, label, maxAgeMs },
  );
}

/** One tenant's maximum ages of labels, or every tenant's, by tenant and label. */
export async function listLabelMaxAges(
  step: Step,
  tenant: string | undefined,
): Promise<LabelMaxAge[]> {
  const rows = await step.rows<{ tenant: string; label: string; maxAgeMs: number }>(
    `MATCH (l:${labelRetentionLabel})
     WHERE $tenant IS NULL OR l.tenant = $tenant
     RETURN l.tenant AS tenant, l.label AS label, l.maxAgeMs AS maxAgeMs`,
    { tenant: tenant ?? null },
  );
  return rows
    .map((row) => ({ tenant: row.tenant, label: row.label, maxAgeMs: Number(row.maxAgeMs) }))
    .sort((a, b) =>
      a.tenant === b.tenant ? compare(a.label, b.label) : compare(a.tenant, b.tenant),
    );
}

/**
 * Detach-deletes at most `limit` of the tenant's nodes with `label` written before
 * `beforeMs`, oldest first, found through the (tenant, write time) range index.
 */
export async function deleteNodesWrittenBefore(
  step: Step,
  tenant: string,
  label: string,
  beforeMs: number,
  limit: number,
): Promise<DeleteNodesResult> {
  checkGraphName(label, "label");
  const result = await step.run(
    `MATCH (n:${nodeLabel})
     USING INDEX n:${nodeLabel}(tenant, ${writtenAtKey})
     WHERE n.tenant = $tenant AND n.${writtenAtKey} < $beforeMs AND n:${quoteName(label)}
     WITH n ORDER BY n.${writtenAtKey} LIMIT $limit
     DETACH DELETE n`,
    { tenant, beforeMs, limit: int(Math.trunc(limit)) },
  );
  const counters = result.summary.counters.updates();
  return { deleted: counters.nodesDeleted, relationshipsDeleted: counters.relationshipsDeleted };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
