/** A seeded PRNG (mulberry32): uniform numbers in [0, 1), the same sequence for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [0, bound) from `random`. */
export function randomIndex(random: () => number, bound: number): number {
  return Math.floor(random() * bound);
}

/** `count` bytes from `random`. */
export function randomBytes(random: () => number, count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = randomIndex(random, 256);
  return bytes;
}
