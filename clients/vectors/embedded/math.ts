import type { Distance } from "../port.js";

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    sum += x * x;
  }
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}

/**
 * The score of the stored vector at `offset` in `data` against `query`, in Qdrant's
 * terms: the dot product for `dot` and for `cosine` (both sides are unit vectors), the
 * L2 distance for `euclid`.
 */
export function scoreAt(
  distance: Distance,
  query: Float32Array,
  data: Float32Array,
  offset: number,
): number {
  const dimension = query.length;
  let sum = 0;
  if (distance === "euclid") {
    for (let i = 0; i < dimension; i++) {
      const d = (query[i] as number) - (data[offset + i] as number);
      sum += d * d;
    }
    return Math.sqrt(sum);
  }
  for (let i = 0; i < dimension; i++) sum += (query[i] as number) * (data[offset + i] as number);
  return sum;
}

/** Whether score `a` ranks before score `b` under a distance. */
export function ranksBefore(distance: Distance, a: number, b: number): boolean {
  return distance === "euclid" ? a < b : a > b;
}

/** Whether a score passes a threshold: at least it for cosine and dot, at most for euclid. */
export function passesThreshold(distance: Distance, score: number, threshold: number): boolean {
  return distance === "euclid" ? score <= threshold : score >= threshold;
}

/** A sort comparator putting better scores first. */
export function byScore(distance: Distance): (a: SlotScore, b: SlotScore) => number {
  return distance === "euclid" ? (a, b) => a.score - b.score : (a, b) => b.score - a.score;
}

/** A (slot, score) pair. */
export interface SlotScore {
  readonly slot: number;
  readonly score: number;
}

/**
 * Keeps the best `k` (slot, score) pairs seen: a binary heap with the worst kept pair
 * on top, so each offer costs O(log k) and most offers O(1).
 */
export class TopK {
  readonly #slots: Int32Array;
  readonly #scores: Float64Array;
  readonly #distance: Distance;
  #size = 0;

  constructor(k: number, distance: Distance) {
    this.#slots = new Int32Array(k);
    this.#scores = new Float64Array(k);
    this.#distance = distance;
  }

  /** Considers one pair. */
  offer(slot: number, score: number): void {
    const capacity = this.#slots.length;
    if (this.#size < capacity) {
      this.#siftUp(this.#size++, slot, score);
    } else if (capacity > 0 && this.#worse(this.#scores[0] as number, score)) {
      this.#siftDown(slot, score);
    }
  }

  /** The kept pairs, best first. */
  sorted(): SlotScore[] {
    const out: SlotScore[] = [];
    for (let i = 0; i < this.#size; i++) {
      out.push({ slot: this.#slots[i] as number, score: this.#scores[i] as number });
    }
    return out.sort(byScore(this.#distance));
  }

  #worse(a: number, b: number): boolean {
    return ranksBefore(this.#distance, b, a);
  }

  #siftUp(at: number, slot: number, score: number): void {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#worse(score, this.#scores[parent] as number)) break;
      this.#slots[i] = this.#slots[parent] as number;
      this.#scores[i] = this.#scores[parent] as number;
      i = parent;
    }
    this.#slots[i] = slot;
    this.#scores[i] = score;
  }

  #siftDown(slot: number, score: number): void {
    const size = this.#size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (
        right < size &&
        this.#worse(this.#scores[right] as number, this.#scores[left] as number)
      ) {
        child = right;
      }
      if (!this.#worse(this.#scores[child] as number, score)) break;
      this.#slots[i] = this.#slots[child] as number;
      this.#scores[i] = this.#scores[child] as number;
      i = child;
    }
    this.#slots[i] = slot;
    this.#scores[i] = score;
  }
}
