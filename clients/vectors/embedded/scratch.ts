/**
 * Reusable buffers for searches, owned by one store. Searches run synchronously on the
 * event loop, so one set of buffers serves them all without per-search allocations.
 */
export class SearchScratch {
  #mask = new Uint8Array(0);
  #slots = new Int32Array(0);
  #gather = new Float32Array(0);

  /** A zeroed mask of at least `length` bytes. */
  mask(length: number): Uint8Array {
    if (this.#mask.length < length) this.#mask = new Uint8Array(grow(length));
    this.#mask.fill(0, 0, length);
    return this.#mask;
  }

  /** A slot list of at least `length` entries (contents undefined). */
  slots(length: number): Int32Array {
    if (this.#slots.length < length) this.#slots = new Int32Array(grow(length));
    return this.#slots;
  }

  /** A float buffer of at least `length` values (contents undefined), starting at byte 0. */
  floats(length: number): Float32Array {
    if (this.#gather.length < length) this.#gather = new Float32Array(length);
    return this.#gather;
  }
}

function grow(length: number): number {
  return Math.max(1024, 2 ** Math.ceil(Math.log2(length)));
}
