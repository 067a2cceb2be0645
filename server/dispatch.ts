import { create, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import { ShuttingDownError } from "../clients/errors.js";
import { setSignalDeadline } from "../clients/resilience/deadline.js";
import {
  applyInterceptors,
  type Call,
  type CallInput,
  type CallOutput,
  type Interceptor,
  mapStream,
  type Next,
  whenSettled,
} from "../interceptors/call.js";
import { principalKey, requestIdOf, tenantKey } from "../interceptors/values.js";
import type { Principal } from "../security/principal.js";
import type { ServiceContext } from "./services/context.js";

/** A generated service and its implementation (see `ServiceHandlers`). */
export interface ServiceBinding {
  readonly service: DescService;
  readonly handlers: object;
}

/** One method, ready to be called by a transport: the chain ends in the service. */
export interface MethodEntry {
  readonly method: DescMethod;
  readonly invoke: Next;
}

type AnyHandler = (input: unknown, context: ServiceContext) => unknown;

/** The view of a call that services get: tenant, signal and deadline, read lazily. */
class CallServiceContext implements ServiceContext {
  constructor(private readonly call: Call) {}
  get tenant(): string {
    const tenant = this.call.values.get(tenantKey);
    if (tenant === "") throw new Error("no tenant: the call did not pass authorization");
    return tenant;
  }
  get signal(): AbortSignal {
    const { signal, deadline } = this.call;
    if (deadline !== undefined) setSignalDeadline(signal, deadline);
    return signal;
  }
  get requestId(): string {
    return requestIdOf(this.call);
  }
  get peer(): string {
    return this.call.peer.address;
  }
  get principal(): Principal | undefined {
    return this.call.values.get(principalKey);
  }
  get deadline(): number | undefined {
    return this.call.deadline;
  }
}

/**
 * Tracks server-streaming calls in flight so that shutdown can end them with
 * UNAVAILABLE (clients reconnect elsewhere) instead of leaving them open.
 */
export class OpenStreams {
  private readonly calls = new Set<Call>();
  private closing = false;

  /** Registers a stream; refused once shutdown has begun. */
  add(call: Call): void {
    if (this.closing) throw new ShuttingDownError();
    this.calls.add(call);
  }

  /** Forgets a finished stream. */
  delete(call: Call): void {
    this.calls.delete(call);
  }

  /** Ends every open stream and refuses new ones. */
  closeAll(): void {
    this.closing = true;
    for (const call of this.calls) call.abort(new ShuttingDownError());
    this.calls.clear();
  }
}

/**
 * Builds, once, the invocable chain of every method of every service: the interceptors
 * wrapped around a terminal step that calls the handler and turns its results into
 * messages of the method's output type.
 */
export function buildMethods(
  bindings: readonly ServiceBinding[],
  interceptors: readonly Interceptor[],
  streams: OpenStreams,
): Map<DescMethod, MethodEntry> {
  const entries = new Map<DescMethod, MethodEntry>();
  for (const { service, handlers } of bindings) {
    for (const method of service.methods) {
      const handler = (handlers as Record<string, AnyHandler | undefined>)[method.localName];
      if (handler === undefined)
        throw new Error(`${service.typeName}.${method.name} has no handler`);
      const terminal = terminalStep(method, handler.bind(handlers), streams);
      entries.set(method, { method, invoke: applyInterceptors(interceptors, terminal, method) });
    }
  }
  return entries;
}

function terminalStep(method: DescMethod, handler: AnyHandler, streams: OpenStreams): Next {
  const toMessage = (init: unknown): Message => create(method.output, init as never);
  switch (method.methodKind) {
    case "unary":
      return async (call, input) => ({
        stream: false,
        message: toMessage(await handler(messageOf(input), new CallServiceContext(call))),
      });
    case "client_streaming":
      return async (call, input) => ({
        stream: false,
        message: toMessage(await handler(streamOf(input), new CallServiceContext(call))),
      });
    case "server_streaming":
      return async (call, input) => {
        streams.add(call);
        const source = handler(
          messageOf(input),
          new CallServiceContext(call),
        ) as AsyncIterable<unknown>;
        return {
          stream: true,
          messages: whenSettled(mapStream(source, toMessage), () => streams.delete(call)),
        };
      };
    default:
      throw new Error(`${method.name}: ${method.methodKind} methods are not supported`);
  }
}

function messageOf(input: CallInput): Message {
  if (input.stream) throw new Error("expected a single request message");
  return input.message;
}

function streamOf(input: CallInput): AsyncIterable<Message> {
  if (!input.stream) throw new Error("expected a request stream");
  return input.messages;
}

/** The single message of a unary or client-streaming call's output. */
export function singleMessage(output: CallOutput): Message {
  if (output.stream) throw new Error("expected a single response message");
  return output.message;
}

/** The message stream of a server-streaming call's output. */
export function messageStream(output: CallOutput): AsyncIterable<Message> {
  if (!output.stream) throw new Error("expected a response stream");
  return output.messages;
}
