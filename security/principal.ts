import type { Scope } from "./scopes.js";

/** How a principal proved who it is. */
export type AuthMethod = "api-key" | "jwt" | "mtls";

/** The authenticated caller of one RPC. The tenant comes from here and nowhere else. */
export interface Principal {
  /**
   * A stable, printable name of the caller, safe for logs and the audit trail:
   * `key:<key id>`, `jwt:<iss>#<sub>` or `cert:<SPIFFE id or CN>`. Never a secret.
   */
  readonly subject: string;
  /** The single tenant the caller acts for. */
  readonly tenant: string;
  /** What the caller may do. */
  readonly scopes: ReadonlySet<Scope>;
  /** How the caller authenticated. */
  readonly method: AuthMethod;
  /** When the credential stops being valid (epoch ms), if it expires. */
  readonly expiresAt?: number;
}
