import type { DescMethod, Message } from "@bufbuild/protobuf";
import type { ContextValues } from "@connectrpc/connect";
import type { ClientCertificate } from "../security/authenticators.js";

/** The wire protocol a call arrived on. */
export type Protocol = "grpc" | "grpc-web" | "connect";

/** Who is on the other end of the connection, as the transport saw it. */
export interface Peer {
  /** Remote address, e.g. `127.0.0.1:53211` or `ipv6:[::1]:53211`. */
  readonly address: string;
  /** The client's TLS certificate, present only when TLS verified it against the client CA. */
  readonly certificate?: ClientCertificate;
}

/**
 * One RPC as every interceptor sees it, whichever transport it came on. Costly parts
 * (the abort signal) are created only when somebody asks for them.
 */
export interface Call {
  /** The generated method descriptor (its `parent` is the service). */
  readonly method: DescMethod;
  /** The wire protocol. */
  readonly protocol: Protocol;
  /** The remote peer. */
  readonly peer: Peer;
  /** Per-call values set by interceptors (request id, principal, tenant, …). */
  readonly values: ContextValues;
  /**
   * The call's deadline as epoch milliseconds, or undefined for none. The transport sets
   * the client's; the deadline interceptor replaces it with the effective one.
   */
  deadline: number | undefined;
  /** Aborted when the client goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** Reads a request header (lower-case name); binary headers are not exposed. */
  header(name: string): string | undefined;
  /** Sets a response header, sent before the first response message. */
  setResponseHeader(name: string, value: string): void;
  /** Aborts the call's signal with a reason (idempotent). */
  abort(reason: Error): void;
}

/** What a handler receives: one message, or a stream of them (client streaming). */
export type CallInput =
  | { readonly stream: false; readonly message: Message }
  | { readonly stream: true; readonly messages: AsyncIterable<Message> };

/** What a handler returns: one message, or a stream of them (server streaming). */
export type CallOutput =
  | { readonly stream: false; readonly message: Message }
  | { readonly stream: true; readonly messages: AsyncIterable<Message> };

/** The rest of the chain, ending in the service. */
export type Next = (call: Call, input: CallInput) => Promise<CallOutput>;

/**
 * A transport-neutral middleware, in the shape of go-grpc-middleware's interceptors.
 * It is applied once per method when the server is built, so it can look up what it
 * needs for that method (validator, scope, budget) then rather than on every call.
 */
export type Interceptor = (next: Next, method: DescMethod) => Next;

/** Wraps `next` in `interceptors`, the first one outermost. */
export function applyInterceptors(
  interceptors: readonly Interceptor[],
  next: Next,
  method: DescMethod,
): Next {
  return interceptors.reduceRight<Next>((inner, interceptor) => interceptor(inner, method), next);
}

/** Base of the transports' calls: owns the lazily created abort controller. */
export abstract class CallBase {
  private controller: AbortController | undefined;
  private abortedWith: Error | undefined;

  /** Aborted when the client goes away or the deadline passes. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  /** Aborts the call's signal with a reason; later reasons are ignored. */
  abort(reason: Error): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }
}

/** Maps every message of an async iterable, keeping laziness and early return. */
export async function* mapStream<T, U>(
  source: AsyncIterable<T>,
  map: (item: T) => U,
): AsyncGenerator<U> {
  for await (const item of source) yield map(item);
}

/**
 * Passes an async iterable through and calls `done` once it ends, with the error it
 * failed with (undefined when it completed or the consumer stopped early).
 */
export async function* whenSettled<T>(
  source: AsyncIterable<T>,
  done: (error: unknown) => void,
): AsyncGenerator<T> {
  let failure: unknown;
  try {
    yield* source;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    done(failure);
  }
}

/** Re-throws every error of an async iterable through `map`. */
export async function* mapStreamErrors<T>(
  source: AsyncIterable<T>,
  map: (error: unknown) => unknown,
): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    throw map(error);
  }
}
