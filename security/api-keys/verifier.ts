import type { ApiKeyVerifier } from "../authenticators.js";
import { UnauthenticatedError } from "../errors.js";
import type { Principal } from "../principal.js";
import { hashApiKey, hashesEqual, parseApiKey } from "./format.js";
import type { ApiKeyStore } from "./port.js";

/** What {@link createApiKeyVerifier} needs. */
export interface ApiKeyVerifierOptions {
  /** Where keys are looked up (from memory, so verification does no I/O). */
  readonly store: Pick<ApiKeyStore, "get">;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Stands in for a stored hash when the id is unknown, so both failures cost the same. */
const absentHash = "0".repeat(64);

/**
 * Verifies `rp_…` keys against the store. The reasons it rejects with are
 * "malformed api key", "unknown api key" (for an unknown id and for a wrong secret
 * alike, so a caller cannot tell which ids exist), "api key revoked" and
 * "api key expired". The key itself never appears in an error.
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const { store } = options;
  const now = options.now ?? Date.now;
  return {
    async verify(apiKey: string): Promise<Principal> {
      const id = parseApiKey(apiKey);
      if (id === undefined) throw new UnauthenticatedError("malformed api key");
      const record = store.get(id);
      const matches = hashesEqual(record?.hash ?? absentHash, hashApiKey(apiKey));
      if (record === undefined || !matches) throw new UnauthenticatedError("unknown api key");
      if (record.revokedAt !== undefined) throw new UnauthenticatedError("api key revoked");
      if (record.expiresAt !== undefined && now() >= record.expiresAt) {
        throw new UnauthenticatedError("api key expired");
      }
      return {
        subject: `key:${record.id}`,
        tenant: record.tenant,
        scopes: new Set(record.scopes),
        method: "api-key",
        ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
      };
    },
  };
}
