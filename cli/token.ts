import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { localSigningKeyPath, mintLocalToken } from "../security/jwt/local-key.js";
import { duration, list, parseCommand, required } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";
import { json } from "./output.js";

/** Usage of the `token` command. */
export const tokenUsage =
  "ragplane token --tenant <tenant> --scopes <scope,...> [--ttl <duration>] [--subject <sub>] [--json]";

/** `iss` of development tokens: the server's default `JWT_ISSUER`. */
export const localIssuer = "ragplane-local";
/** `aud` of development tokens: the server's default `JWT_AUDIENCE`. */
export const localAudience = "ragplane";
/** The longest `--ttl`: the server's default `JWT_MAX_LIFETIME_S`. */
export const maxTokenTtlMs = 86_400_000;

/** Lifetime of a token when `--ttl` is not given: 1 h. */
export const defaultTokenTtlMs = 3_600_000;

/**
 * Runs `token`: mints a development JWT signed with the local key under `DATA_DIR`, the
 * one a server with default JWT settings on the same `DATA_DIR` accepts. Prints the token
 * (or, with `--json`, the token with its `jti` and expiry). Refuses when `DATA_DIR` holds
 * no key: a key made here would sign tokens no server accepts.
 */
export async function runToken(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, {
    tenant: { type: "string" },
    scopes: { type: "string" },
    ttl: { type: "string" },
    subject: { type: "string" },
    json: { type: "boolean" },
  });
  const scopes = list(required(values.scopes, "scopes"));
  const ttlMs = duration(values.ttl, "ttl") ?? defaultTokenTtlMs;
  if (ttlMs > maxTokenTtlMs) {
    throw new UsageError(
      "--ttl must be at most 24h, the longest token lifetime the server accepts",
    );
  }
  if (!existsSync(localSigningKeyPath(context.dataDir))) {
    throw new Error(
      `no local signing key in DATA_DIR ${context.dataDir}: a server started on this DATA_DIR makes one; set DATA_DIR to the server's`,
    );
  }
  const jti = randomUUID();
  const ttlSeconds = Math.floor(ttlMs / 1000);
  const token = await mintLocalToken({
    dataDir: context.dataDir,
    issuer: localIssuer,
    audience: localAudience,
    tenant: required(values.tenant, "tenant"),
    scopes,
    subject: values.subject ?? "local-cli",
    ttlSeconds,
    jti,
  });
  if (values.json) {
    const expiresAt = new Date(context.now() + ttlSeconds * 1000).toISOString();
    context.output.out(json({ token, jti, expireTime: expiresAt }));
  } else {
    context.output.out(token);
  }
}
