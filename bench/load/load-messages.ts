import type { PerCallType } from "./mix.js";
import type { TenantPlan } from "./requests.js";
import type { TypeTally } from "./tally.js";

/** One client of the load process: a protocol, the server's port for it, a tenant. */
export interface ClientSpec {
  /** Short stable key, e.g. `connect-json`. */
  readonly name: string;
  /**
   * `connect-json`: Connect protocol with JSON bodies over HTTP/1.1 (connect-node,
   * `useBinaryFormat: false`), one keep-alive connection per call in flight;
   * `grpc`: gRPC over one grpc-js HTTP/2 channel.
   */
  readonly protocol: "connect-json" | "grpc";
  /** `http://host:port` of the HTTP port, or `host:port` of the gRPC port. */
  readonly address: string;
  readonly plan: TenantPlan;
}

/** What one client's calls saw in a run. */
export interface ClientResult {
  readonly client: string;
  readonly tallies: readonly TypeTally[];
}

/** What a run of the load process measured. */
export interface LoadRunResult {
  readonly clients: readonly ClientResult[];
  /** From the first call's start to the last call's end, in ms. */
  readonly elapsedMs: number;
  /** Scheduled runs only: the longest a call started behind its schedule, in ms. */
  readonly maxStartLagMs: number;
  /** Scheduled runs only: calls that started over {@link lateStartMs} behind their schedule. */
  readonly lateStarts: number;
  /** Closed loops only: the warm-up's calls per status (not in the tallies). */
  readonly warmupStatuses: Readonly<Record<string, number>>;
}

/** A measured window of wall-clock time, in ms since the epoch. */
export interface LoadWindow {
  readonly fromEpochMs: number;
  readonly toEpochMs: number;
}

/** Counts so far of the run in progress. */
export interface LoadProgress {
  readonly calls: number;
  readonly notOk: number;
}

/** How far behind its schedule a call may start before it counts as late, in ms. */
export const lateStartMs = 5;

/** Requests the parent sends the load process; each gets one {@link LoadReply} with its id. */
export type LoadRequest =
  | { readonly id: number; readonly type: "setup"; readonly clients: readonly ClientSpec[] }
  | {
      /**
       * Closed loops on one client: `concurrency[type]` calls of each type in flight, each
       * starting the next when it ends, from now until the window's end; then the calls in
       * flight are waited for. Calls started before the window are the warm-up, counted
       * by status only. Replies when all have ended.
       */
      readonly id: number;
      readonly type: "closed";
      readonly client: string;
      readonly concurrency: PerCallType<number>;
      readonly window: LoadWindow;
    }
  | {
      /**
       * `rate` calls per second on a fixed schedule for `durationMs`, the call types in the
       * mix's proportions, the named clients in turn; each call timed from its scheduled
       * start. Replies when all have ended.
       */
      readonly id: number;
      readonly type: "scheduled";
      readonly clients: readonly string[];
      readonly rate: number;
      readonly durationMs: number;
    }
  | {
      /** The counts of the run in progress, answered at once. */
      readonly id: number;
      readonly type: "progress";
    };

/** The load process's answer to a {@link LoadRequest}. */
export type LoadReply =
  | {
      readonly id: number;
      readonly type: "done";
      readonly result?: LoadRunResult;
      readonly progress?: LoadProgress;
    }
  | { readonly id: number; readonly type: "failed"; readonly error: string };
