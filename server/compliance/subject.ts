import { createHash } from "node:crypto";
import { open, SealError, seal } from "../../security/encryption/envelope.js";
import type { DataKeyring } from "../../security/encryption/keyring.js";
import type { SealedSubject } from "./job.js";

/** SHA-256 (lowercase hex) of a subject's UTF-8 bytes: how jobs and the audit trail name it. */
export function subjectDigest(subject: string): string {
  return createHash("sha256").update(subject, "utf8").digest("hex");
}

function contextOf(tenant: string, jobId: string): Uint8Array {
  return Buffer.from(`ragplane.erasure.subject.v1\u0000${tenant}\u0000${jobId}`, "utf8");
}

/**
 * Seals the subject under its own data key, bound to the tenant and the job: the job can
 * read it back for as long as the key exists, and never after the erasure destroyed it.
 */
export async function sealSubject(
  keyring: DataKeyring,
  tenant: string,
  jobId: string,
  subject: string,
  signal?: AbortSignal,
): Promise<SealedSubject> {
  const key = await keyring.sealingKey(tenant, subject, signal);
  const sealed = seal(key.key, Buffer.from(subject, "utf8"), contextOf(tenant, jobId));
  return { keyId: key.id, sealed: sealed.toString("base64") };
}

/**
 * The subject of {@link sealSubject}, or `undefined` once its key is destroyed (or when
 * the sealed value does not open: another job's, or altered).
 */
export async function openSubject(
  keyring: DataKeyring,
  tenant: string,
  jobId: string,
  sealed: SealedSubject,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const key = await keyring.openingKey(tenant, sealed.keyId, signal);
  if (key === undefined) return undefined;
  try {
    const plain = open(key.key, Buffer.from(sealed.sealed, "base64"), contextOf(tenant, jobId));
    return plain.toString("utf8");
  } catch (error) {
    if (error instanceof SealError) return undefined;
    throw error;
  }
}
