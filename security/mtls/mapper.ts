import { readFile } from "node:fs/promises";
import type { CertificateMapper, ClientCertificate } from "../authenticators.js";
import { UnauthenticatedError } from "../errors.js";
import type { Principal } from "../principal.js";
import { type CertificatePrincipal, parsePrincipalsFile } from "./principals-file.js";

/** The principals file cannot be read, is not JSON, or does not validate. */
export class PrincipalsFileError extends Error {
  override readonly name = "PrincipalsFileError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`MTLS_PRINCIPALS_FILE ${file}: ${problems.join("; ")}`, options);
  }
}

/**
 * Reads and validates the principals file once (see `parsePrincipalsFile`) and returns
 * the mapper the authentication interceptor uses; any problem is a
 * {@link PrincipalsFileError} listing all of them.
 */
export async function loadCertificateMapper(file: string): Promise<CertificateMapper> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PrincipalsFileError(file, [`cannot be read as JSON (${reason})`], { cause: error });
  }
  const parsed = parsePrincipalsFile(document);
  if (parsed.kind === "invalid") throw new PrincipalsFileError(file, parsed.problems);
  return createCertificateMapper(parsed.principals);
}

/**
 * Maps verified client certificates to principals. A certificate that carries a SPIFFE
 * id (its first `spiffe://` URI SAN) is that workload and is looked up by that id only;
 * a certificate without one is looked up by its subject CN. The principal's subject is
 * `cert:<SPIFFE id or CN>`. Anything not listed is refused as unauthenticated.
 */
export function createCertificateMapper(
  principals: readonly CertificatePrincipal[],
): CertificateMapper {
  const bySpiffe = new Map<string, Principal>();
  const byCommonName = new Map<string, Principal>();
  for (const { identity, tenant, scopes } of principals) {
    const principal: Principal = Object.freeze({
      subject: `cert:${identity.value}`,
      tenant,
      scopes: new Set(scopes),
      method: "mtls",
    });
    (identity.kind === "spiffe" ? bySpiffe : byCommonName).set(identity.value, principal);
  }
  return {
    map(certificate: ClientCertificate): Principal {
      const spiffe = certificate.uris.find((uri) => uri.startsWith("spiffe://"));
      const principal =
        spiffe !== undefined
          ? bySpiffe.get(spiffe)
          : certificate.commonName === undefined
            ? undefined
            : byCommonName.get(certificate.commonName);
      if (principal === undefined) throw new UnauthenticatedError("client certificate not mapped");
      return principal;
    },
  };
}
