import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Condition, FilterScalar, PointFilter } from "../filter.js";
import { anyValueAt, type PathStep, parseKeyPath } from "../key-path.js";

/** A set of slots as bits, grown on demand. */
class SlotBits {
  words = new Uint32Array(0);
  count = 0;

  set(slot: number): void {
    const word = slot >>> 5;
    if (word >= this.words.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.words.length * 2, 32));
      grown.set(this.words);
      this.words = grown;
    }
    const bit = 1 << (slot & 31);
    if ((this.words[word] as number) & bit) return;
    this.words[word] = (this.words[word] as number) | bit;
    this.count++;
  }

  clear(slot: number): void {
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if (word >= this.words.length || !((this.words[word] as number) & bit)) return;
    this.words[word] = (this.words[word] as number) & ~bit;
    this.count--;
  }
}

/**
 * An inverted index of one payload key, by slot: each scalar value found at the key
 * (every element, when the key selects arrays) → the slots of the points holding it, as
 * bits. It holds every scalar whatever the index's declared type, so what it returns for
 * a `match`, `any` or `range` condition on the key is exactly the points the condition
 * holds for.
 * The collection tells it when points arrive, leave or move to another slot.
 */
export class PayloadValueIndex {
  readonly #steps: readonly PathStep[];
  readonly #slots = new Map<FilterScalar, SlotBits>();

  constructor(readonly key: string) {
    this.#steps = parseKeyPath(key) ?? [{ kind: "key", key }];
  }

  /** Records the values of the point now in `slot`. */
  add(slot: number, payload: JsonObject): void {
    this.#each(payload, (value) => {
      let bits = this.#slots.get(value);
      if (bits === undefined) {
        bits = new SlotBits();
        this.#slots.set(value, bits);
      }
      bits.set(slot);
    });
  }

  /** Forgets the values of the point in `slot` (the payload it was added with). */
  remove(slot: number, payload: JsonObject): void {
    this.#each(payload, (value) => {
      const bits = this.#slots.get(value);
      if (bits === undefined) return;
      bits.clear(slot);
      if (bits.count === 0) this.#slots.delete(value);
    });
  }

  /** Moves a point's values from one slot to another (a delete filled the gap). */
  move(from: number, to: number, payload: JsonObject): void {
    this.#each(payload, (value) => {
      const bits = this.#slots.get(value);
      if (bits === undefined) return;
      bits.clear(from);
      bits.set(to);
    });
  }

  /**
   * The slot bits of the points a condition on this key holds for (an array of words: OR
   * them): one set for `match`, one per value for `any`, one per stored number inside
   * the bounds for `range`. Undefined for a range over more than
   * {@link maxRangeValues} distinct numbers, where scanning the payloads is cheaper.
   */
  wordsFor(condition: Condition): Uint32Array[] | undefined {
    if ("match" in condition) return wordsOf(this.#slots.get(condition.match));
    if ("any" in condition)
      return condition.any.flatMap((value) => wordsOf(this.#slots.get(value)));
    const { gt, gte, lt, lte } = condition.range;
    const words: Uint32Array[] = [];
    let numbers = 0;
    for (const [value, bits] of this.#slots) {
      if (typeof value !== "number") continue;
      if (++numbers > maxRangeValues) return undefined;
      if (gt !== undefined && !(value > gt)) continue;
      if (gte !== undefined && !(value >= gte)) continue;
      if (lt !== undefined && !(value < lt)) continue;
      if (lte !== undefined && !(value <= lte)) continue;
      words.push(bits.words);
    }
    return words;
  }

  #each(payload: JsonObject, visit: (value: FilterScalar) => void): void {
    const seen = new Set<FilterScalar>();
    anyValueAt(payload, this.#steps, 0, (value: JsonValue) => {
      if (
        (typeof value === "string" || typeof value === "number" || typeof value === "boolean") &&
        !seen.has(value)
      ) {
        seen.add(value);
        visit(value);
      }
      return false;
    });
  }
}

/** Most distinct numbers a key may hold for its index to answer a range. */
export const maxRangeValues = 256;

function wordsOf(bits: SlotBits | undefined): Uint32Array[] {
  return bits === undefined ? [] : [bits.words];
}

/** What the payload indexes make of a filter. */
export interface IndexedMatches {
  /** The slots allowed, as bits (bit `s & 31` of word `s >> 5`). */
  readonly words: Uint32Array;
  /** How many slots are allowed. */
  readonly count: number;
  /** True when these are exactly the filter's matches (every condition was answered). */
  readonly exact: boolean;
}

/** Whether `slot` is among the allowed ones. */
export function allows(matches: IndexedMatches, slot: number): boolean {
  return (((matches.words[slot >>> 5] as number) >>> (slot & 31)) & 1) === 1;
}

/**
 * The slots that the `must` conditions on indexed keys allow (the intersection of what
 * each answers), or undefined when no condition is on an indexed key. `size` is the
 * number of slots in use.
 */
export function indexedMatches(
  indexes: ReadonlyMap<string, PayloadValueIndex>,
  filter: PointFilter | undefined,
  size: number,
): IndexedMatches | undefined {
  const wordCount = (size + 31) >>> 5;
  let result: Uint32Array | undefined;
  let answered = 0;
  for (const condition of filter?.must ?? []) {
    const words = indexes.get(condition.key)?.wordsFor(condition);
    if (words === undefined) continue;
    answered++;
    if (result === undefined && words.length === 1) {
      result = (words[0] as Uint32Array).slice(0, wordCount);
      continue;
    }
    const union = new Uint32Array(wordCount);
    for (const part of words) {
      const length = Math.min(wordCount, part.length);
      for (let i = 0; i < length; i++) union[i] = (union[i] as number) | (part[i] as number);
    }
    if (result === undefined) result = union;
    else
      for (let i = 0; i < wordCount; i++) result[i] = (result[i] as number) & (union[i] as number);
  }
  if (result === undefined) return undefined;
  if (result.length < wordCount) {
    const grown = new Uint32Array(wordCount);
    grown.set(result);
    result = grown;
  }
  const spare = size & 31;
  if (spare !== 0 && wordCount > 0)
    result[wordCount - 1] = (result[wordCount - 1] as number) & ((1 << spare) - 1);
  let count = 0;
  for (const word of result) count += popcount(word);
  const conditions =
    (filter?.must?.length ?? 0) + (filter?.should?.length ?? 0) + (filter?.mustNot?.length ?? 0);
  return { words: result, count, exact: answered === conditions };
}

/** The allowed slots, ascending, written into `into` (at least `count` long); their number. */
export function listSlots(matches: IndexedMatches, into: Int32Array): number {
  const { words } = matches;
  let at = 0;
  for (let i = 0; i < words.length; i++) {
    let word = words[i] as number;
    while (word !== 0) {
      const low = word & -word;
      into[at++] = (i << 5) + 31 - Math.clz32(low);
      word ^= low;
    }
  }
  return at;
}

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
