import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type TenantSettings, TenantSettingsSchema } from "../gen/ragplane/v1/admin_pb.js";
import { parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";
import { json, table } from "./output.js";

/** Usage of the `audit settings` command. */
export const auditSettingsUsage =
  "ragplane audit settings [--tenant <tenant>] [--read-auditing on|off] [--json]";

/** Runs `audit settings`: shows a tenant's audit settings, or changes read auditing. */
export async function runAuditSettings(
  args: readonly string[],
  context: CommandContext,
): Promise<void> {
  const { values } = parseCommand(args, {
    tenant: { type: "string" },
    "read-auditing": { type: "string" },
    json: { type: "boolean" },
  });
  const tenant = values.tenant ?? "";
  const change = values["read-auditing"];
  if (change !== undefined && change !== "on" && change !== "off") {
    throw new UsageError(`--read-auditing must be on or off, got "${change}"`);
  }
  const { settings } =
    change === undefined
      ? await context.admin().getTenantSettings({ tenant })
      : await context.admin().updateTenantSettings({ tenant, readAuditing: change === "on" });
  if (settings === undefined) throw new Error("the server returned no settings");
  context.output.out(
    values.json ? json(toJson(TenantSettingsSchema, settings)) : describe(settings),
  );
}

function describe(settings: TenantSettings): string {
  return table(
    ["TENANT", "READ AUDITING", "UPDATED", "BY"],
    [
      [
        settings.tenant,
        settings.readAuditing ? "on" : "off",
        settings.updateTime === undefined ? "" : timestampDate(settings.updateTime).toISOString(),
        settings.updatedBy,
      ],
    ],
  );
}
