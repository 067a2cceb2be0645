import { errors } from "jose";
import { UnauthenticatedError } from "../errors.js";

/**
 * Turns what `jwtVerify` threw into an `UnauthenticatedError` with a short reason. jose's
 * own errors are not kept as the cause: claim errors carry the token's claims.
 */
export function toUnauthenticated(error: unknown): UnauthenticatedError {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof errors.JWTExpired) return new UnauthenticatedError("token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new UnauthenticatedError(claimReason(error.claim, error.reason));
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new UnauthenticatedError("bad signature");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new UnauthenticatedError("algorithm not allowed");
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new UnauthenticatedError("unknown key");
  }
  return new UnauthenticatedError("malformed token");
}

function claimReason(claim: string, reason: string): string {
  switch (claim) {
    case "nbf":
      return "token not yet valid";
    case "aud":
      return "wrong audience";
    case "iss":
      return "wrong issuer";
    case "exp":
      return reason === "missing" ? "no expiry claim" : "malformed token";
    default:
      return "malformed token";
  }
}
