import type { Message } from "@bufbuild/protobuf";
import { type ConnectRouter, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type MethodEntry, messageStream, singleMessage } from "../dispatch.js";
import { limits } from "../limits.js";
import { withCallerFaultsAsInvalidArgument } from "./caller-faults.js";
import { ConnectCall, nodeRequestKey } from "./connect-call.js";
import { addOperationsRoutes, type OperationsRoutes } from "./operations-routes.js";
import { withPrototypeKeysRefused } from "./prototype-keys.js";

/** A Node HTTP/1.1 or HTTP/2 request handler, as connect-node takes and returns them. */
export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;

/** Options of {@link createConnectHandler}. */
export interface ConnectHandlerOptions {
  /** Every product method, with its chain. */
  readonly entries: Iterable<MethodEntry>;
  /** Serves what is not an RPC (the health endpoints); 404 otherwise. */
  readonly fallback: NodeHandlerFn;
  /** Aborted on shutdown: open Connect calls see their signal aborted. */
  readonly shutdownSignal: AbortSignal;
  /** Health and reflection, served as on the gRPC port; none when absent. */
  readonly operations?: OperationsRoutes;
}

type MethodImpl = (input: never, context: HandlerContext) => unknown;

/**
 * A Node request handler that serves Connect, gRPC-Web and gRPC (HTTP/1.1 and h2c)
 * through connect-node, dispatching every method into the same chain as the grpc-js
 * transport.
 */
export function createConnectHandler(options: ConnectHandlerOptions): NodeHandlerFn {
  const byService = new Map<MethodEntry["method"]["parent"], Record<string, MethodImpl>>();
  for (const entry of options.entries) {
    const service = entry.method.parent;
    const impl = byService.get(service) ?? {};
    impl[entry.method.localName] = methodImpl(entry);
    byService.set(service, impl);
  }
  return connectNodeAdapter({
    routes: (router: ConnectRouter) => {
      for (const [service, impl] of byService) router.service(service, impl as never);
      if (options.operations !== undefined) addOperationsRoutes(router, options.operations);
      router.handlers.forEach((handler, index) => {
        router.handlers[index] = withCallerFaultsAsInvalidArgument(
          withPrototypeKeysRefused(handler),
        );
      });
    },
    fallback: options.fallback,
    contextValues: (request) => createContextValues().set(nodeRequestKey, request),
    readMaxBytes: limits.maxMessageBytes,
    writeMaxBytes: limits.maxMessageBytes,
    shutdownSignal: options.shutdownSignal,
    grpc: true,
    grpcWeb: true,
    connect: true,
  });
}

function methodImpl({ method, invoke }: MethodEntry): MethodImpl {
  switch (method.methodKind) {
    case "unary":
      return async (request: Message, context: HandlerContext) =>
        singleMessage(
          await invoke(new ConnectCall(method, context), { stream: false, message: request }),
        );
    case "client_streaming":
      return async (requests: AsyncIterable<Message>, context: HandlerContext) =>
        singleMessage(
          await invoke(new ConnectCall(method, context), { stream: true, messages: requests }),
        );
    case "server_streaming":
      return async function* (request: Message, context: HandlerContext) {
        const output = await invoke(new ConnectCall(method, context), {
          stream: false,
          message: request,
        });
        yield* messageStream(output);
      } as MethodImpl;
    default:
      throw new Error(`${method.name}: ${method.methodKind} methods are not supported`);
  }
}
