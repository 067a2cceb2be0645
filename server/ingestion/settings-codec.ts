import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "../../clients/events/port.js";
import type { IngestionSettings } from "./settings.js";

/** One change to the ingestion settings: an ingestion put (whole) or deleted. */
export type SettingsChange =
  | { readonly kind: "put"; readonly settings: IngestionSettings }
  | {
      readonly kind: "deleted";
      readonly tenant: string;
      readonly topic: string;
      readonly generation: string;
    };

/** A change read back, or why its event could not be read as one. */
export type DecodedSettingsChange =
  | { readonly kind: "valid"; readonly change: SettingsChange }
  | { readonly kind: "invalid"; readonly reason: string };

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

/** The event of a change: JSON, keyed by tenant and topic, with an id of its own. */
export function encodeSettingsChange(change: SettingsChange): NewEvent {
  const { tenant, topic } = change.kind === "put" ? change.settings : change;
  const key = `${tenant}/${topic}`;
  return {
    id: `${key}.${change.kind}.${randomUUID()}`,
    key,
    payload: utf8.encode(JSON.stringify(change)),
    contentType: "application/json",
    subject: key,
  };
}

/** Reads a change back from its event, checking every field. */
export function decodeSettingsChange(event: StoredEvent): DecodedSettingsChange {
  let value: unknown;
  try {
    value = JSON.parse(text.decode(event.payload));
  } catch {
    return { kind: "invalid", reason: "payload is not JSON" };
  }
  const change = value as Record<string, unknown> | null;
  if (change?.kind === "put") {
    const settings = change.settings as Record<string, unknown> | null;
    if (
      typeof settings?.tenant === "string" &&
      typeof settings.topic === "string" &&
      typeof settings.collection === "string" &&
      typeof settings.graph === "boolean" &&
      typeof settings.deadLetterTopic === "string" &&
      typeof settings.generation === "string"
    ) {
      const { tenant, topic, collection, graph, deadLetterTopic, generation } = settings;
      return {
        kind: "valid",
        change: {
          kind: "put",
          settings: { tenant, topic, collection, graph, deadLetterTopic, generation },
        },
      };
    }
  }
  if (
    change?.kind === "deleted" &&
    typeof change.tenant === "string" &&
    typeof change.topic === "string" &&
    typeof change.generation === "string"
  ) {
    const { tenant, topic, generation } = change;
    return { kind: "valid", change: { kind: "deleted", tenant, topic, generation } };
  }
  return { kind: "invalid", reason: "payload is not an ingestion settings change" };
}
