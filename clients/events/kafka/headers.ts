import type { IHeaders } from "kafkajs";
import type { NewEvent } from "../port.js";

/** The prefix of the Kafka record headers that carry ragplane's own event fields. */
export const reservedHeaderPrefix = "ragplane-";

/** Record header names of the event fields that have no place of their own in a Kafka record. */
export const eventHeaders = {
  /** The event id (also the record key when the event has no key of its own). */
  id: "ragplane-id",
  contentType: "ragplane-content-type",
  subject: "ragplane-subject",
  /** The producer's event time, in ms since the epoch; absent means the append time. */
  time: "ragplane-time",
} as const;

/** User headers whose names start with the reserved prefix are stored under this one. */
const userEscape = "ragplane-user-";

/** The event fields read back from a record's headers. */
export interface DecodedHeaders {
  /** The event id, or undefined for a record not written by ragplane. */
  readonly id: string | undefined;
  readonly contentType: string;
  readonly subject: string;
  /** The producer's event time, or undefined when the event had none. */
  readonly timeMs: number | undefined;
  /** The user's headers, as published. */
  readonly headers: Record<string, string>;
}

/**
 * The Kafka headers of an event (own properties only, so even a header named
 * `__proto__` survives): the id always, content type, subject and time when
 * set, then the user's headers under their own names, so other Kafka consumers read them
 * as usual. A user header that starts with `ragplane-` is stored as `ragplane-user-<name>`
 * so it can never be taken for (or overwrite) one of the event's own fields.
 */
export function encodeHeaders(event: NewEvent): Record<string, string> {
  const encoded: [string, string][] = [[eventHeaders.id, event.id]];
  if (event.contentType) encoded.push([eventHeaders.contentType, event.contentType]);
  if (event.subject) encoded.push([eventHeaders.subject, event.subject]);
  if (event.time !== undefined) encoded.push([eventHeaders.time, String(event.time.getTime())]);
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    encoded.push([name.startsWith(reservedHeaderPrefix) ? `${userEscape}${name}` : name, value]);
  }
  return Object.fromEntries(encoded);
}

/** The inverse of {@link encodeHeaders}. Unknown `ragplane-` headers are ignored. */
export function decodeHeaders(headers: IHeaders | undefined): DecodedHeaders {
  let id: string | undefined;
  let contentType = "";
  let subject = "";
  let timeMs: number | undefined;
  const user: [string, string][] = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = headerText(raw);
    if (value === undefined) continue;
    if (!name.startsWith(reservedHeaderPrefix)) user.push([name, value]);
    else if (name.startsWith(userEscape)) user.push([name.slice(userEscape.length), value]);
    else if (name === eventHeaders.id) id = value;
    else if (name === eventHeaders.contentType) contentType = value;
    else if (name === eventHeaders.subject) subject = value;
    else if (name === eventHeaders.time) timeMs = parseTime(value);
  }
  return { id, contentType, subject, timeMs, headers: Object.fromEntries(user) };
}

function headerText(raw: IHeaders[string]): string | undefined {
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.toString("utf8");
}

function parseTime(value: string): number | undefined {
  if (!/^-?\d+$/.test(value)) return undefined;
  const ms = Number(value);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
