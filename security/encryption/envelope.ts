import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from "node:crypto";

const version = 1;
const ivBytes = 12;
const tagBytes = 16;

/** Bytes a sealed value adds to its plaintext: version, IV and authentication tag. */
export const sealOverhead = 1 + ivBytes + tagBytes;

/**
 * Encrypts `plaintext` with AES-256-GCM under `key`, binding it to `context` (additional
 * authenticated data: where the value belongs, so that a sealed value copied elsewhere
 * does not open). The result is `[version][12-byte IV][ciphertext][16-byte tag]`.
 */
export function seal(key: KeyObject, plaintext: Uint8Array, context: Uint8Array): Buffer {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(context);
  const head = Buffer.of(version);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, iv, body, tail, cipher.getAuthTag()]);
}

/**
 * Decrypts a value of {@link seal} sealed under `key` with the same `context`. Throws
 * `SealError` when the value is malformed, of another version, or fails authentication
 * (another key, another context, or changed bytes).
 */
export function open(key: KeyObject, sealed: Uint8Array, context: Uint8Array): Buffer {
  if (sealed.length < sealOverhead || sealed[0] !== version) {
    throw new SealError("not a sealed value of version 1");
  }
  const iv = sealed.subarray(1, 1 + ivBytes);
  const tag = sealed.subarray(sealed.length - tagBytes);
  const body = sealed.subarray(1 + ivBytes, sealed.length - tagBytes);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(context);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw new SealError("authentication failed", { cause });
  }
}

/** A sealed value that cannot be opened: malformed, or not sealed by this key for this context. */
export class SealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`sealed value: ${message}`, options);
    this.name = "SealError";
  }
}
