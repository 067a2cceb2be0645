import { type GeneratedApiKey, generateApiKey, hashApiKey } from "./format.js";
import type { ApiKeyRecord } from "./port.js";

/** What a new key grants and records, besides its id and hash. */
export type ApiKeyGrant = Omit<ApiKeyRecord, "id" | "hash" | "revokedAt">;

/** A new key: the secret to show once, and the record that stores only its hash. */
export interface IssuedApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Issues `grant` under a freshly generated key, or under `generated` when given. */
export function issueApiKey(
  grant: ApiKeyGrant,
  generated: GeneratedApiKey = generateApiKey(),
): IssuedApiKey {
  return {
    key: generated.key,
    record: { id: generated.id, hash: hashApiKey(generated.key), ...grant },
  };
}
