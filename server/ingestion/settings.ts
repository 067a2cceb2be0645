/** One topic's ingestion as configured by PutIngestion, shared by every replica. */
export interface IngestionSettings {
  /** The tenant that owns the topic. */
  readonly tenant: string;
  /** The topic projected. */
  readonly topic: string;
  /** The collection (or alias) vectors go to; empty writes none. */
  readonly collection: string;
  /** Whether entities and relations go to the tenant's graph. */
  readonly graph: boolean;
  /** Where events that cannot be projected go. */
  readonly deadLetterTopic: string;
  /**
   * Names the ingestion's consumer group: a new ingestion gets a fresh one (so it starts
   * at the beginning of the topic), a replaced one keeps it (so it carries on).
   */
  readonly generation: string;
}

/** The consumer group of an ingestion: its read positions in the topic. */
export function ingestionGroup(settings: Pick<IngestionSettings, "generation">): string {
  return `ingestion.${settings.generation}`;
}

/** The dead-letter topic of `topic` when PutIngestion names none. */
export function defaultDeadLetterTopic(topic: string): string {
  return `${topic}.dead-letter`;
}
