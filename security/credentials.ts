import type { Call } from "../interceptors/call.js";
import type { Credentials } from "./authenticators.js";
import { UnauthenticatedError } from "./errors.js";

const apiKeyPrefix = "rp_";

/**
 * Reads what the client presented: `authorization: Bearer <token or rp_ key>`,
 * `x-api-key: rp_…`, and the verified client certificate. Two different secrets in one
 * call are refused rather than guessed between.
 */
export function readCredentials(call: Call): Credentials {
  const authorization = call.header("authorization");
  const headerKey = call.header("x-api-key")?.trim();
  const certificate = call.peer.certificate;
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null)
      throw new UnauthenticatedError("authorization header is not a bearer credential");
    bearer = match[1];
  }
  if (bearer !== undefined && headerKey !== undefined && bearer !== headerKey) {
    throw new UnauthenticatedError("both authorization and x-api-key are set");
  }
  const secret = bearer ?? headerKey;
  const fromCertificate = certificate === undefined ? {} : { certificate };
  if (secret === undefined || secret === "") return fromCertificate;
  if (secret.startsWith(apiKeyPrefix)) return { apiKey: secret, ...fromCertificate };
  if (headerKey !== undefined) throw new UnauthenticatedError("x-api-key is not an rp_ key");
  return { token: secret, ...fromCertificate };
}
