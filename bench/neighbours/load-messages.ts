/** One kind of call a load process makes: a gRPC path and the encoded requests it cycles through. */
export interface CallKind {
  /** Short stable key, e.g. `ShortestPath`. */
  readonly name: string;
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Encoded requests; call i of the kind sends request i mod length. */
  readonly requests: readonly Uint8Array[];
}

/** What a load process saw of one kind of call. */
export interface KindTally {
  readonly name: string;
  /** Calls that ended, whatever their status. */
  readonly calls: number;
  /** Calls per gRPC status name (`OK`, `RESOURCE_EXHAUSTED`, …). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Latency of every call that ended OK, in ms. */
  readonly okLatenciesMs: Float64Array;
}

/** What a load run measured. */
export interface LoadResult {
  readonly kinds: readonly KindTally[];
  /** Wall time from the first call's start to the last call's end, in ms. */
  readonly elapsedMs: number;
  /**
   * Open loop only: the longest a call started after its scheduled time, in ms. Near 0
   * means the load process kept its schedule and the latencies are the server's.
   */
  readonly maxStartLagMs: number;
  /** Open loop only: calls that started more than `lateStartMs` after their scheduled time. */
  readonly lateStarts: number;
}

/** How far behind its schedule a call may start before it counts as late, in ms. */
export const lateStartMs = 5;

/** Requests the parent sends a load process; each gets one {@link LoadReply}. */
export type LoadRequest =
  | {
      /** Connect to `address`, with `headers` on every call; later runs use `kinds`. */
      readonly type: "setup";
      readonly address: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly kinds: readonly CallKind[];
    }
  | {
      /**
       * Start one closed loop per named kind, `concurrency` calls in flight each, each
       * starting its next call when one ends, or once the retry delay a refused call was
       * given has passed; replies at once, and they run until `stop`.
       */
      readonly type: "start";
      readonly kinds: readonly string[];
      readonly concurrency: number;
    }
  | {
      /** Stop starting calls, wait for those in flight and reply with what the loops saw. */
      readonly type: "stop";
    }
  | {
      /**
       * An open loop: `rate` calls per second on a fixed schedule for `durationMs`, the
       * kinds in turn, each call timed from its scheduled start; replies when all ended.
       */
      readonly type: "schedule";
      readonly rate: number;
      readonly durationMs: number;
    };

/** A load process's answer to a {@link LoadRequest}. */
export type LoadReply =
  | { readonly type: "done"; readonly result?: LoadResult }
  | { readonly type: "failed"; readonly error: string };
