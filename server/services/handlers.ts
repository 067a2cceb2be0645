import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { Validator } from "../validation/violations.js";
import type { ServiceContext } from "./context.js";

/** A unary RPC implementation. */
export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: ServiceContext,
) => Promise<MessageInitShape<O>>;

/** A server-streaming RPC implementation: one request, a stream of responses. */
export type ServerStreamHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: ServiceContext,
) => AsyncIterable<MessageInitShape<O>>;

/** A client-streaming RPC implementation: a stream of requests, one response. */
export type ClientStreamHandler<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: ServiceContext,
) => Promise<MessageInitShape<O>>;

type HandlerOf<M> = M extends { methodKind: "unary"; input: infer I; output: infer O }
  ? I extends DescMessage
    ? O extends DescMessage
      ? UnaryHandler<I, O>
      : never
    : never
  : M extends { methodKind: "server_streaming"; input: infer I; output: infer O }
    ? I extends DescMessage
      ? O extends DescMessage
        ? ServerStreamHandler<I, O>
        : never
      : never
    : M extends { methodKind: "client_streaming"; input: infer I; output: infer O }
      ? I extends DescMessage
        ? O extends DescMessage
          ? ClientStreamHandler<I, O>
          : never
        : never
      : never;

/**
 * The implementation of a whole generated service, keyed by method local name
 * (`publish`, `search`, …). Both transports dispatch to the same object.
 */
export type ServiceHandlers<S extends GenServiceMethods> = { [K in keyof S]: HandlerOf<S[K]> };

type InputOf<M> = M extends { input: infer I }
  ? I extends DescMessage
    ? MessageShape<I>
    : never
  : never;

/**
 * Request validators of a whole service, keyed by method local name. For client
 * streams, the validator runs on every message.
 */
export type ServiceValidators<S extends GenServiceMethods> = {
  [K in keyof S]: Validator<InputOf<S[K]>>;
};
