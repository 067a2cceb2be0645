import { toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ApiKey,
  ApiKeySchema,
  CreateApiKeyResponseSchema,
} from "../gen/ragplane/v1/admin_pb.js";
import { generateApiKey } from "../security/api-keys/format.js";
import { duration, list, parseCommand, required } from "./args.js";
import type { CommandContext } from "./context.js";
import { keyFileUsage, runKeyFileInit, runKeyFileRotate, runRewrap } from "./encryption-keys.js";
import { UsageError } from "./errors.js";
import { json, table } from "./output.js";

/** Usage of the `keys` commands. */
export const keysUsage = `ragplane keys create --name <name> --scopes <scope,...> [--tenant <tenant>] [--expires-in <duration>] [--json]
ragplane keys list [--tenant <tenant>] [--json]
ragplane keys revoke <id> [--json]
ragplane keys generate   (prints a new key without storing it, for BOOTSTRAP_ADMIN_KEY)
${keyFileUsage}`;

/**
 * Runs `keys create|list|revoke|generate`, `keys init|rotate` of the key file, and
 * `keys rewrap` of the data keys.
 */
export async function runKeys(args: readonly string[], context: CommandContext): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "create":
      return createKey(rest, context);
    case "list":
      return listKeys(rest, context);
    case "revoke":
      return revokeKey(rest, context);
    case "init":
      return runKeyFileInit(rest, context);
    case "rotate":
      return runKeyFileRotate(rest, context);
    case "rewrap":
      return runRewrap(rest, context);
    case "generate":
      parseCommand(rest, {});
      context.output.out(generateApiKey().key);
      return;
    default:
      throw new UsageError(
        sub === undefined ? "keys needs a command" : `unknown command "keys ${sub}"`,
      );
  }
}

async function createKey(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, {
    tenant: { type: "string" },
    name: { type: "string" },
    scopes: { type: "string" },
    "expires-in": { type: "string" },
    json: { type: "boolean" },
  });
  const scopes = list(required(values.scopes, "scopes"));
  const expiresIn = duration(values["expires-in"], "expires-in");
  const response = await context.admin().createApiKey({
    tenant: values.tenant ?? "",
    name: required(values.name, "name"),
    scopes,
    ...(expiresIn === undefined ? {} : { expireTime: timestampFromMs(context.now() + expiresIn) }),
  });
  const { output } = context;
  if (values.json) {
    output.out(json(toJson(CreateApiKeyResponseSchema, response)));
    return;
  }
  if (response.apiKey !== undefined) output.out(keyTable([response.apiKey], context.now()));
  output.out("");
  output.out(`key: ${response.key}`);
  output.out("This is the only time the key is shown: store it in a secret manager now.");
}

async function listKeys(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, { tenant: { type: "string" }, json: { type: "boolean" } });
  const keys: ApiKey[] = [];
  let pageToken = "";
  do {
    const page = await context
      .admin()
      .listApiKeys({ tenant: values.tenant ?? "", pageSize: 1000, pageToken });
    keys.push(...page.apiKeys);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  if (values.json) {
    context.output.out(json({ apiKeys: keys.map((key) => toJson(ApiKeySchema, key)) }));
  } else {
    context.output.out(keyTable(keys, context.now()));
  }
}

async function revokeKey(args: readonly string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseCommand(args, { json: { type: "boolean" } }, 1);
  const id = positionals[0];
  if (id === undefined) throw new UsageError("keys revoke needs the key's id");
  const { apiKey } = await context.admin().revokeApiKey({ id });
  if (apiKey === undefined) return;
  if (values.json) context.output.out(json(toJson(ApiKeySchema, apiKey)));
  else context.output.out(keyTable([apiKey], context.now()));
}

function keyTable(keys: readonly ApiKey[], now: number): string {
  return table(
    ["ID", "TENANT", "NAME", "SCOPES", "STATUS", "CREATED", "EXPIRES", "CREATED BY"],
    keys.map((key) => [
      key.id,
      key.tenant,
      key.name,
      key.scopes.join(","),
      statusOf(key, now),
      key.createTime === undefined ? "" : timestampDate(key.createTime).toISOString(),
      key.expireTime === undefined ? "never" : timestampDate(key.expireTime).toISOString(),
      key.createdBy,
    ]),
  );
}

function statusOf(key: ApiKey, now: number): string {
  if (key.revokeTime !== undefined) return "revoked";
  if (key.expireTime !== undefined && timestampDate(key.expireTime).getTime() <= now) {
    return "expired";
  }
  return "active";
}
