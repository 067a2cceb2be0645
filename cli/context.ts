import type { Client } from "@connectrpc/connect";
import type { AdminService } from "../gen/ragplane/v1/admin_pb.js";
import type { Output } from "./output.js";

/** What every command gets from the entry point. */
export interface CommandContext {
  /** The AdminService client, made on first use (the `token` command needs none). */
  admin(): Client<typeof AdminService>;
  readonly output: Output;
  /** The clock, in epoch ms. */
  readonly now: () => number;
  /** Where the local signing key lives (`DATA_DIR`). */
  readonly dataDir: string;
}
