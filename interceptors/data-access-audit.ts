import type { Message } from "@bufbuild/protobuf";
import type { AuditLog } from "../security/audit/port.js";
import { auditEventFor } from "../security/audit/recorder.js";
import type { ReadAuditing } from "../security/audit/tenant-settings.js";
import type { Call, CallInput, Interceptor } from "./call.js";
import { observeOutcome } from "./call-outcome.js";
import { type DataAccess, policyOf } from "./policy.js";
import { tenantKey } from "./values.js";

/** Options of {@link createDataAccessAuditInterceptor}. */
export interface DataAccessAuditOptions {
  /** Where data access is recorded (in the background: recording never waits). */
  readonly audit: AuditLog;
  /** Which tenants' reads are recorded; no reads are, when absent. */
  readonly readAuditing?: ReadAuditing;
}

/** What a finished call did, as counts. */
interface Tally {
  target: string;
  items: number;
  streamed: boolean;
  messages: number;
  last: Message | undefined;
}

/**
 * Records the calls of RPCs with `access` in the policy table as `data.write`,
 * `data.delete`, or, for tenants that enabled read auditing, `data.read`: the principal,
 * tenant, RPC, target (a topic, collection or alias name, or `graph`), the number of
 * items asked for, what the response says was done, and the outcome. Never a payload,
 * vector, property value or id. Unary calls are recorded when they end, streams when
 * they close. Runs after validation, so it records only valid calls; the record is
 * queued for the background writer and the call never waits for it.
 */
export function createDataAccessAuditInterceptor(options: DataAccessAuditOptions): Interceptor {
  const { audit, readAuditing } = options;
  return (next, method) => {
    const access = policyOf(method).access;
    if (access === undefined) return next;
    if (access.action === "read" && readAuditing === undefined) return next;
    const type = `data.${access.action}` as const;
    const record = (call: Call, tally: Tally, outcome: string): void => {
      audit.record(auditEventFor(call, type, "", detailsOf(access, tally, outcome)));
    };
    return async (call, input) => {
      if (access.action === "read" && !readAuditing?.readsAudited(call.values.get(tenantKey))) {
        return next(call, input);
      }
      const tally: Tally = {
        target: "",
        items: 0,
        streamed: false,
        messages: 0,
        last: undefined,
      };
      return observeOutcome(next(call, tallied(input, access, tally)), {
        message: (message, streamed) => {
          tally.last = message;
          if (streamed) {
            tally.streamed = true;
            tally.messages += 1;
          }
        },
        done: (outcome) => record(call, tally, outcome),
      });
    };
  };
}

/** The input, counting the target and the items of every request message as it passes. */
function tallied(input: CallInput, access: DataAccess, tally: Tally): CallInput {
  const take = (message: Message): void => {
    if (tally.target === "") tally.target = targetOf(access, message);
    if (access.items !== undefined) tally.items += lengthOf(fieldOf(message, access.items));
  };
  if (!input.stream) {
    take(input.message);
    return input;
  }
  return { stream: true, messages: passing(input.messages, take) };
}

async function* passing(
  source: AsyncIterable<Message>,
  take: (message: Message) => void,
): AsyncGenerator<Message> {
  for await (const message of source) {
    take(message);
    yield message;
  }
}

function detailsOf(access: DataAccess, tally: Tally, outcome: string): Record<string, string> {
  const details: Record<string, string> = { target: tally.target, outcome };
  if ("kind" in access.target) details.targetKind = access.target.kind;
  if (access.items !== undefined) details.items = String(tally.items);
  if (tally.streamed) details.messages = String(tally.messages);
  if (tally.last !== undefined) {
    for (const field of access.result ?? []) {
      details[field] = String(countOf(fieldOf(tally.last, field)));
    }
  }
  return details;
}

function targetOf(access: DataAccess, message: Message): string {
  if ("fixed" in access.target) return access.target.fixed;
  const value = fieldOf(message, access.target.field);
  return typeof value === "string" ? value : "";
}

function fieldOf(message: Message, field: string): unknown {
  return (message as unknown as Record<string, unknown>)[field];
}

/** A list as its length, a number or flag as it is, a message as 1, nothing as 0. */
function countOf(value: unknown): number | string {
  if (Array.isArray(value)) return value.length;
  if (typeof value === "number" || typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return String(value);
  return value === undefined || value === null ? 0 : 1;
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
