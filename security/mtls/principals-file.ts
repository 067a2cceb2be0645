import { isScope, type Scope } from "../scopes.js";
import { isTenantName } from "../tenant.js";

/** How a certificate is recognised: by its SPIFFE id (a URI SAN) or by its subject CN. */
export type CertificateIdentity =
  | { readonly kind: "spiffe"; readonly value: string }
  | { readonly kind: "cn"; readonly value: string };

/** One entry of the principals file: who the certificate holder is and may do. */
export interface CertificatePrincipal {
  readonly identity: CertificateIdentity;
  readonly tenant: string;
  readonly scopes: readonly Scope[];
}

/** The principals file, read: its entries, or every problem found in it. */
export type PrincipalsFile =
  | { readonly kind: "valid"; readonly principals: readonly CertificatePrincipal[] }
  | { readonly kind: "invalid"; readonly problems: readonly string[] };

const spiffePattern = /^spiffe:\/\/[a-z0-9._-]{1,255}(\/[A-Za-z0-9._-]+)*$/;
const entryKeys = new Set(["spiffe", "cn", "tenant", "scopes"]);

/**
 * Checks a parsed principals file:
 * `{"principals": [{"spiffe" | "cn": …, "tenant": …, "scopes": [...]}, …]}`. Each entry
 * names exactly one identity, a valid tenant and at least one known scope; no identity
 * appears twice. Every problem is reported, each with the entry it is in.
 */
export function parsePrincipalsFile(document: unknown): PrincipalsFile {
  if (!isRecord(document) || !Array.isArray(document.principals)) {
    return { kind: "invalid", problems: ['expected {"principals": [ … ]}'] };
  }
  if (document.principals.length === 0) {
    return { kind: "invalid", problems: ["principals: lists no principal"] };
  }
  const problems: string[] = [];
  const principals: CertificatePrincipal[] = [];
  const seen = new Set<string>();
  document.principals.forEach((entry: unknown, index: number) => {
    const where = `principals[${index}]`;
    const before = problems.length;
    if (!isRecord(entry)) {
      problems.push(`${where}: expected an object`);
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!entryKeys.has(key)) problems.push(`${where}: unknown field ${JSON.stringify(key)}`);
    }
    const identity = readIdentity(entry, where, problems);
    const tenant = readTenant(entry, where, problems);
    const scopes = readScopes(entry, where, problems);
    if (identity !== undefined) {
      const key = `${identity.kind}:${identity.value}`;
      if (seen.has(key))
        problems.push(`${where}: duplicate ${identity.kind} ${JSON.stringify(identity.value)}`);
      seen.add(key);
    }
    if (problems.length === before && identity && tenant && scopes)
      principals.push({ identity, tenant, scopes });
  });
  return problems.length === 0 ? { kind: "valid", principals } : { kind: "invalid", problems };
}

function readIdentity(
  entry: Record<string, unknown>,
  where: string,
  problems: string[],
): CertificateIdentity | undefined {
  const { spiffe, cn } = entry;
  if ((spiffe === undefined) === (cn === undefined)) {
    problems.push(`${where}: needs exactly one of "spiffe" and "cn"`);
    return undefined;
  }
  if (spiffe !== undefined) {
    if (typeof spiffe !== "string" || !spiffePattern.test(spiffe)) {
      problems.push(
        `${where}.spiffe: ${JSON.stringify(spiffe)} is not a SPIFFE id like spiffe://example.org/ns/prod/sa/indexer`,
      );
      return undefined;
    }
    return { kind: "spiffe", value: spiffe };
  }
  if (typeof cn !== "string" || cn.trim() !== cn || cn === "" || cn.length > 64) {
    problems.push(`${where}.cn: ${JSON.stringify(cn)} is not a common name (1 to 64 characters)`);
    return undefined;
  }
  if (cn.startsWith("spiffe://")) {
    problems.push(`${where}.cn: ${JSON.stringify(cn)} is a SPIFFE id; list it as "spiffe"`);
    return undefined;
  }
  return { kind: "cn", value: cn };
}

function readTenant(
  entry: Record<string, unknown>,
  where: string,
  problems: string[],
): string | undefined {
  const { tenant } = entry;
  if (typeof tenant === "string" && isTenantName(tenant)) return tenant;
  problems.push(
    `${where}.tenant: ${JSON.stringify(tenant)} is not a tenant (letters, digits, "_", "." and "-", at most 64)`,
  );
  return undefined;
}

function readScopes(
  entry: Record<string, unknown>,
  where: string,
  problems: string[],
): Scope[] | undefined {
  const { scopes } = entry;
  if (!Array.isArray(scopes) || scopes.length === 0) {
    problems.push(`${where}.scopes: expected a non-empty list of scopes`);
    return undefined;
  }
  const known: Scope[] = [];
  for (const scope of scopes as unknown[]) {
    if (typeof scope === "string" && isScope(scope)) known.push(scope);
    else problems.push(`${where}.scopes: unknown scope ${JSON.stringify(scope)}`);
  }
  return known.length === scopes.length ? known : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
