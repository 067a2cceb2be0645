import type { Client } from "@connectrpc/connect";
import type { AdminService } from "../gen/ragplane/v1/admin_pb.js";
import type { ComplianceService } from "../gen/ragplane/v1/compliance_pb.js";
import type { Output } from "./output.js";

/** What every command gets from the entry point. */
export interface CommandContext {
  /** The AdminService client, made on first use (the `token` command needs none). */
  admin(): Client<typeof AdminService>;
  /** The ComplianceService client, made on first use. */
  compliance(): Client<typeof ComplianceService>;
  readonly output: Output;
  /** The clock, in epoch ms. */
  readonly now: () => number;
  /** Where the local signing key lives (`DATA_DIR`). */
  readonly dataDir: string;
}
