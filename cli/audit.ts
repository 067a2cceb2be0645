import { toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type AuditEvent, AuditEventSchema } from "../gen/ragplane/v1/admin_pb.js";
import { duration, list, parseCommand, positiveInteger } from "./args.js";
import { auditSettingsUsage, runAuditSettings } from "./audit-settings.js";
import { auditVerifyUsage, runAuditVerify } from "./audit-verify.js";
import type { CommandContext } from "./context.js";
import { json, table } from "./output.js";

/** Usage of the `audit` command. */
export const auditUsage = [
  "ragplane audit [--tenant <tenant>] [--since <duration>] [--type <type,...>]... [--limit <n>] [--json]",
  auditVerifyUsage,
  auditSettingsUsage,
].join("\n");

/** Events printed when `--limit` is not given. */
export const defaultAuditLimit = 100;

/**
 * Runs `audit`: `audit verify` and `audit settings`, or else prints up to `--limit`
 * events of the trail, oldest first. Resolves with the exit code.
 */
export async function runAudit(args: readonly string[], context: CommandContext): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "verify") return runAuditVerify(rest, context);
  if (subcommand === "settings") {
    await runAuditSettings(rest, context);
    return 0;
  }
  await listAudit(args, context);
  return 0;
}

async function listAudit(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, {
    tenant: { type: "string" },
    since: { type: "string" },
    type: { type: "string", multiple: true },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const since = duration(values.since, "since");
  const limit = positiveInteger(values.limit, "limit", defaultAuditLimit);
  const types = (values.type ?? []).flatMap((type) => list(type));
  const events: AuditEvent[] = [];
  let pageToken = "";
  do {
    const page = await context.admin().listAuditEvents({
      tenant: values.tenant ?? "",
      types,
      ...(since === undefined ? {} : { startTime: timestampFromMs(context.now() - since) }),
      pageSize: Math.min(limit - events.length, 1000),
      pageToken,
    });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && events.length < limit);
  if (values.json) {
    context.output.out(json({ events: events.map((event) => toJson(AuditEventSchema, event)) }));
    return;
  }
  context.output.out(
    table(
      ["TIME", "TYPE", "TENANT", "PRINCIPAL", "METHOD", "REASON", "DETAILS"],
      events.map((event) => [
        event.time === undefined ? "" : timestampDate(event.time).toISOString(),
        event.type,
        event.tenant,
        event.principal,
        event.method,
        event.reason,
        Object.entries(event.details)
          .map(([key, value]) => `${key}=${value}`)
          .join(" "),
      ]),
    ),
  );
}
