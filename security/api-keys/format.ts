import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * What every key starts with. Secret scanners look for it, so a key pasted into a
 * repository or a ticket is found and can be revoked.
 */
export const apiKeyPrefix = "rp_";
/** Length of a key's public id, in base62 characters (about 95 bits). */
export const apiKeyIdLength = 16;
/** Length of a key's secret, in base62 characters (about 190 bits). */
export const apiKeySecretLength = 32;

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The largest multiple of 62 that fits a byte: bytes at or above it are drawn again. */
const unbiasedLimit = 256 - (256 % alphabet.length);
const keyPattern = new RegExp(
  `^${apiKeyPrefix}([0-9A-Za-z]{${apiKeyIdLength}})_[0-9A-Za-z]{${apiKeySecretLength}}$`,
);
const idPattern = new RegExp(`^[0-9A-Za-z]{${apiKeyIdLength}}$`);

/** A freshly generated key: its public id and the whole secret string. */
export interface GeneratedApiKey {
  /** The public id, safe to show and log. */
  readonly id: string;
  /** `rp_<id>_<secret>`: shown once to whoever asked for it, never stored. */
  readonly key: string;
}

/** Generates a key from the system's cryptographic random source. */
export function generateApiKey(): GeneratedApiKey {
  const id = randomBase62(apiKeyIdLength);
  return { id, key: `${apiKeyPrefix}${id}_${randomBase62(apiKeySecretLength)}` };
}

/** The public id of a well-formed key, or undefined for anything else. */
export function parseApiKey(text: string): string | undefined {
  return keyPattern.exec(text)?.[1];
}

/** True when `id` has the shape of a key's public id. */
export function isApiKeyId(id: string): boolean {
  return idPattern.test(id);
}

/** The hex SHA-256 of a whole key string: what the store keeps instead of the key. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Compares two hex hashes in time independent of where they differ, so a caller cannot
 * learn a stored hash byte by byte from response times.
 */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `length` base62 characters, each uniformly distributed (rejection sampling). */
function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= unbiasedLimit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
