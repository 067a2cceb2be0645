import { apiKeyIdLength, apiKeyPrefix } from "./api-keys/format.js";

/** An API key, or what starts like one: the id is kept, anything after it is a secret. */
const apiKeyPattern = new RegExp(`\\b${apiKeyPrefix}([0-9A-Za-z]{${apiKeyIdLength}})_\\S*`, "g");
/** A bearer credential in a header line or message. */
const bearerPattern = /\b(bearer)\s+\S+/gi;
/** A JWT (or its header and payload): three base64url parts, the first starting `eyJ`. */
const jwtPattern = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g;

/**
 * Text with every credential in it replaced: API keys keep their public id only
 * (`rp_<id>_[redacted]`), bearer values and JWTs become `[redacted]`. Applied to every
 * message the server logs, its own and its libraries' (grpc-js, kafkajs), so a secret a
 * caller sends, even malformed or cut short, never reaches a log line.
 */
export function redactSecrets(text: string): string {
  if (!text.includes(apiKeyPrefix) && !/bearer|eyJ/i.test(text)) return text;
  return text
    .replace(apiKeyPattern, `${apiKeyPrefix}$1_[redacted]`)
    .replace(bearerPattern, "$1 [redacted]")
    .replace(jwtPattern, "[redacted]");
}
