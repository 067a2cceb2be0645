import { encodeUtf8 } from "../utf8.js";

/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`): the hash behind the
 * Java client's and kafkajs's default partitioner. Returns a signed 32-bit integer.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k =
      (data[i] ?? 0) |
      ((data[i + 1] ?? 0) << 8) |
      ((data[i + 2] ?? 0) << 16) |
      ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[tail + 1] ?? 0) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[tail] ?? 0), m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/**
 * The partition of a key: `(murmur2(utf8(key)) & 0x7fffffff) % partitions`, exactly as
 * Kafka's default partitioner places a keyed record. Every adapter uses it, so an event
 * lands in the same partition whichever engine stores it.
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(encodeUtf8(key)) & 0x7fffffff) % partitions;
}
