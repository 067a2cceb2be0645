import { AlreadyExistsError, NotFoundError } from "../../clients/errors.js";
import type { EventLog } from "../../clients/events/port.js";
import { auditTenant, auditTopic } from "../../security/audit/log-audit.js";

/**
 * Gives the audit trail's topic a retention (`AUDIT_RETENTION`; 0 keeps entries forever),
 * creating the topic with it when the trail has not yet written anything. On Kafka the
 * topic's `retention.ms` is changed; embedded, the log's own sweep deletes older entries.
 */
export async function applyAuditRetention(
  events: EventLog,
  retentionMs: number,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await events.setTopicRetention(auditTenant, auditTopic, retentionMs, signal);
    return;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    await events.createTopic(auditTenant, { name: auditTopic, partitions: 1, retentionMs }, signal);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    await events.setTopicRetention(auditTenant, auditTopic, retentionMs, signal);
  }
}
