import { AlreadyExistsError, NotFoundError } from "../../clients/errors.js";
import type { EventLog, NewEvent, StoredEvent } from "../../clients/events/port.js";
import type { IngestionSettings } from "./settings.js";

/** Why an event went to the dead-letter topic: a bounded set, also the metric's label. */
export type PoisonKind = "undecodable" | "invalid" | "refused";

/** An event the projector cannot project, and why. */
export interface Poison {
  readonly event: StoredEvent;
  readonly kind: PoisonKind;
  /** For a human: what is wrong with the event. */
  readonly reason: string;
}

/** The headers a dead letter carries beside the original event's own. */
export const deadLetterHeaders = {
  reason: "dead-letter-reason",
  kind: "dead-letter-kind",
  topic: "dead-letter-topic",
  partition: "dead-letter-partition",
  offset: "dead-letter-offset",
  eventId: "dead-letter-event-id",
} as const;

const maxReasonLength = 1000;

/**
 * The dead letter of a poison event: the original payload, key, content type, subject
 * and time, its headers plus the reason and the original position. Its id is derived
 * from that position (`<topic>:<partition>:<offset>`), so projecting the same event again
 * (a redelivery, a replay) publishes a duplicate the log does not store twice.
 */
export function deadLetterOf(topic: string, poison: Poison): NewEvent {
  const { event } = poison;
  return {
    id: `${topic}:${event.partition}:${event.offset}`,
    key: event.key,
    payload: event.payload,
    contentType: event.contentType,
    subject: event.subject,
    time: event.time,
    headers: {
      ...event.headers,
      [deadLetterHeaders.reason]: poison.reason.slice(0, maxReasonLength),
      [deadLetterHeaders.kind]: poison.kind,
      [deadLetterHeaders.topic]: topic,
      [deadLetterHeaders.partition]: String(event.partition),
      [deadLetterHeaders.offset]: event.offset.toString(),
      [deadLetterHeaders.eventId]: event.id,
    },
  };
}

/**
 * Publishes the dead letters of `poisons` to the ingestion's dead-letter topic in one
 * append, creating the topic (with the source topic's partitions and retention) the first
 * time it is missing.
 */
export async function publishDeadLetters(
  events: EventLog,
  settings: IngestionSettings,
  poisons: readonly Poison[],
  signal: AbortSignal,
): Promise<void> {
  if (poisons.length === 0) return;
  const { tenant, topic, deadLetterTopic } = settings;
  const letters = poisons.map((poison) => deadLetterOf(topic, poison));
  try {
    await events.append(tenant, deadLetterTopic, letters, signal);
    return;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const source = await events.getTopic(tenant, topic, signal);
  try {
    await events.createTopic(
      tenant,
      { name: deadLetterTopic, partitions: source.partitions, retentionMs: source.retentionMs },
      signal,
    );
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
  }
  await events.append(tenant, deadLetterTopic, letters, signal);
}
