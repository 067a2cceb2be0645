import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
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

/**
 * {@link applyAuditRetention}, tried again every `retryMs` until it succeeds or `signal`
 * aborts: at start the event log may still be connecting. The first failure is logged as
 * a warning, later ones at debug level.
 */
export async function keepApplyingAuditRetention(
  events: EventLog,
  retentionMs: number,
  options: { readonly logger: Logger; readonly signal: AbortSignal; readonly retryMs?: number },
): Promise<void> {
  const { logger, signal } = options;
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await applyAuditRetention(events, retentionMs, signal);
      logger.info({ retentionMs }, "audit trail retention applied");
      return;
    } catch (error) {
      if (signal.aborted) return;
      const level = attempt === 1 ? "warn" : "debug";
      logger[level]({ err: error }, "audit trail retention not applied yet; trying again");
    }
    await sleep(options.retryMs ?? 2_000, undefined, { signal }).catch(() => undefined);
  }
}
