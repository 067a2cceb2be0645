import { createCipheriv, createDecipheriv, type KeyObject, randomFillSync } from "node:crypto";

const version = 1;
const ivBytes = 12;
const tagBytes = 16;

/** Bytes a sealed value adds to its plaintext: version, IV and authentication tag. */
export const sealOverhead = 1 + ivBytes + tagBytes;

/**
 * Random IVs, drawn from the system's CSPRNG a pool at a time (one call per 1,024 IVs
 * instead of one per value). Each IV is used once; 96 random bits per value keep the
 * chance of a repeat under one key negligible for far more values than a data key seals.
 */
const ivPool = Buffer.allocUnsafeSlow(ivBytes * 1024);
let ivPoolUsed = ivPool.length;

function nextIv(): Buffer {
  if (ivPoolUsed + ivBytes > ivPool.length) {
    randomFillSync(ivPool);
    ivPoolUsed = 0;
  }
  const iv = ivPool.subarray(ivPoolUsed, ivPoolUsed + ivBytes);
  ivPoolUsed += ivBytes;
  return iv;
}

/**
 * Encrypts `plaintext` with AES-256-GCM under `key`, binding it to `context` (additional
 * authenticated data: where the value belongs, so that a sealed value copied elsewhere
 * does not open). The result is `[version][12-byte IV][ciphertext][16-byte tag]`. A
 * plaintext given in parts is sealed as their concatenation, without copying them together.
 */
export function seal(
  key: KeyObject,
  plaintext: Uint8Array | readonly Uint8Array[],
  context: Uint8Array,
): Buffer {
  const whole = plaintext instanceof Uint8Array ? plaintext : joined(plaintext);
  const sealed = Buffer.allocUnsafe(sealOverhead + whole.length);
  const iv = nextIv();
  sealed[0] = version;
  sealed.set(iv, 1);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(context);
  const body = cipher.update(whole);
  sealed.set(body, 1 + ivBytes);
  const tail = cipher.final();
  sealed.set(tail, 1 + ivBytes + body.length);
  sealed.set(cipher.getAuthTag(), 1 + ivBytes + body.length + tail.length);
  return sealed;
}

/** Reused for joining parts: one cipher update costs more than copying a few KiB. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/** `parts` copied one after the other into the scratch buffer (valid until the next call). */
function joined(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > scratch.length) scratch = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) {
    scratch.set(part, at);
    at += part.length;
  }
  return scratch.subarray(0, length);
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
    const plaintext = decipher.update(body);
    const tail = decipher.final();
    return tail.length === 0 ? plaintext : Buffer.concat([plaintext, tail]);
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
