import { limits } from "../limits.js";

/** One invalid request field, as sent in `google.rpc.BadRequest.FieldViolation`. */
export interface FieldViolation {
  /** Path of the field in the request, e.g. `points[3].vector`. */
  readonly field: string;
  /** What is wrong, for a human. */
  readonly description: string;
}

/** Checks one request message and returns its violations (empty when valid). */
export type Validator<T> = (message: T) => FieldViolation[];

const namePattern = /^[A-Za-z0-9._-]+$/;

/** UTF-8 length of a string without allocating for short ASCII strings. */
export function utf8Length(value: string): number {
  return value.length * 3 <= limits.maxIdBytes ? value.length : Buffer.byteLength(value, "utf8");
}

/**
 * Collects violations while a validator walks a message. Each check returns whether the
 * value passed, so callers can skip dependent checks.
 */
export class Violations {
  readonly list: FieldViolation[] = [];

  /** Records a violation. Always returns false. */
  add(field: string, description: string): false {
    this.list.push({ field, description });
    return false;
  }

  /**
   * A non-empty id of at most `limits.maxIdBytes` UTF-8 bytes without NUL (U+0000), which
   * not every engine can store (Neo4j refuses it), so no engine is given one.
   */
  id(field: string, value: string): boolean {
    if (value.length === 0) return this.add(field, "must not be empty");
    if (value.includes("\u0000")) return this.add(field, nulRefused);
    return this.shortText(field, value);
  }

  /**
   * A data subject (of an event, point, node or relationship): empty for none, otherwise
   * what EraseSubject accepts, an id: at most `limits.maxIdBytes` UTF-8 bytes, no NUL.
   */
  subject(field: string, value: string): boolean {
    return value.length === 0 || this.id(field, value);
  }

  /** An optional string of at most `limits.maxIdBytes` UTF-8 bytes. */
  shortText(field: string, value: string): boolean {
    if (value.length > limits.maxIdBytes || utf8Length(value) > limits.maxIdBytes) {
      return this.add(field, `must be at most ${limits.maxIdBytes} bytes`);
    }
    return true;
  }

  /** A topic or collection name: 1 to 200 characters of [A-Za-z0-9._-]. */
  name(field: string, value: string): boolean {
    if (value.length === 0) return this.add(field, "must not be empty");
    if (value.length > limits.maxNameLength) {
      return this.add(field, `must be at most ${limits.maxNameLength} characters`);
    }
    if (!namePattern.test(value)) return this.add(field, "must match ^[A-Za-z0-9._-]+$");
    return true;
  }

  /** A batch of 1 to `limits.maxBatchItems` items. */
  batch(field: string, count: number): boolean {
    if (count === 0) return this.add(field, "must not be empty");
    if (count > limits.maxBatchItems) {
      return this.add(field, `must hold at most ${limits.maxBatchItems} items`);
    }
    return true;
  }

  /** A page size or limit: 0 (the default) up to `max`. */
  atMost(field: string, value: number, max: number): boolean {
    if (!Number.isInteger(value) || value < 0) return this.add(field, "must not be negative");
    if (value > max) return this.add(field, `must be at most ${max}`);
    return true;
  }

  /** Ids unique within a batch; reports each repeat. */
  unique(field: string, ids: readonly string[]): boolean {
    const seen = new Set<string>();
    let ok = true;
    ids.forEach((id, index) => {
      if (seen.has(id)) ok = this.add(`${field}[${index}]`, `repeats "${truncate(id)}"`);
      seen.add(id);
    });
    return ok;
  }

  /** A known, non-zero enum value. */
  enumValue(field: string, value: number, known: readonly number[]): boolean {
    if (value === 0) return this.add(field, "must be set");
    if (!known.includes(value)) return this.add(field, `unknown value ${value}`);
    return true;
  }
}

/** The violation of a string holding NUL (U+0000). */
export const nulRefused = "must not contain NUL (U+0000)";

/** Shortens user input quoted in an error message. */
export function truncate(value: string, max = 64): string {
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}
