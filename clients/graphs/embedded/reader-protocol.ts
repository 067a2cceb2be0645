import {
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
  type ResourceKind,
} from "../../errors.js";
import type {
  NeighborhoodsQuery,
  NeighborsQuery,
  PathResult,
  ShortestPathQuery,
  Subgraph,
} from "../port.js";

/** What a reader thread is started with. */
export interface ReaderInit {
  /** The directory of the graph database, opened read-only. */
  readonly dataDir: string;
  /** One Int32: the id of the job the thread must give up, set by the owning thread. */
  readonly cancelled: SharedArrayBuffer;
  /** The thread's nice value (0 to 19): how far below the event loop it runs. */
  readonly nice: number;
}

/** A traversal for a reader thread. */
export type ReaderJob = { readonly id: number; readonly tenant: string } & (
  | { readonly operation: "neighbors"; readonly query: NeighborsQuery }
  | { readonly operation: "neighborhoods"; readonly query: NeighborhoodsQuery }
  | { readonly operation: "shortestPath"; readonly query: ShortestPathQuery }
);

/** An error as it crosses between threads: the domain errors keep their class. */
export type SentError =
  | { readonly name: "NotFoundError"; readonly kind: ResourceKind; readonly id: string }
  | { readonly name: "PreconditionError"; readonly message: string; readonly field?: string }
  | { readonly name: "CancelledError" | "EngineTimeoutError" | "EngineUnavailableError" }
  | { readonly name: "Error"; readonly message: string; readonly code?: string };

/** What a reader thread's job answers. */
export type ReaderResult = Subgraph | Map<string, Subgraph> | PathResult;

/** A reader thread's answer to one job. */
export type ReaderReply =
  | { readonly id: number; readonly result: ReaderResult }
  | { readonly id: number; readonly error: SentError };

/** What the reader thread sends for `error`. */
export function sendableError(error: unknown): SentError {
  if (error instanceof NotFoundError)
    return { name: "NotFoundError", kind: error.kind, id: error.id };
  if (error instanceof PreconditionError) {
    return {
      name: "PreconditionError",
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
  if (error instanceof CancelledError) return { name: "CancelledError" };
  if (error instanceof EngineTimeoutError) return { name: "EngineTimeoutError" };
  if (error instanceof EngineUnavailableError) return { name: "EngineUnavailableError" };
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    name: "Error",
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === "string" ? { code } : {}),
  };
}

/** The error a reader thread sent, rebuilt in the owning thread. */
export function receivedError(sent: SentError, engine: string): Error {
  switch (sent.name) {
    case "NotFoundError":
      return new NotFoundError(sent.kind, sent.id);
    case "PreconditionError":
      return new PreconditionError(sent.message, sent.field);
    case "CancelledError":
      return new CancelledError();
    case "EngineTimeoutError":
      return new EngineTimeoutError(engine);
    case "EngineUnavailableError":
      return new EngineUnavailableError(engine);
    default:
      return Object.assign(
        new Error(sent.message),
        sent.code === undefined ? {} : { code: sent.code },
      );
  }
}
