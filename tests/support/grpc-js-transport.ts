import {
  create,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";

type HeaderInit = ConstructorParameters<typeof Headers>[0];

/**
 * A Connect `Transport` backed by a real `@grpc/grpc-js` client, so tests and
 * benchmarks drive the grpc-js port with the same typed clients (`createClient`) as the
 * Connect and gRPC-Web ports. Errors become `ConnectError`s with their details decoded
 * from `grpc-status-details-bin`.
 */
export function createGrpcJsTransport(
  address: string,
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
  channelOptions: ChannelOptions = {},
): Transport & { close(): void } {
  const client = new Client(address, channelCredentials, {
    "grpc.max_receive_message_length": 8 * 1024 * 1024,
    ...channelOptions,
  });
  return {
    close: () => client.close(),
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: MessageInitShape<I>,
    ): Promise<UnaryResponse<I, O>> {
      const { metadata, options } = callSettings(header, timeoutMs);
      return new Promise((resolve, reject) => {
        let responseHeader = new Headers();
        const call = client.makeUnaryRequest(
          path(method),
          (message: MessageShape<I>) => Buffer.from(toBinary(method.input, message)),
          (bytes: Buffer) => fromBinary(method.output, bytes),
          create(method.input, input),
          metadata,
          options,
          (error, message) => {
            if (error) reject(toConnectError(error));
            else
              resolve({
                stream: false,
                service: method.parent,
                method,
                header: responseHeader,
                trailer: new Headers(),
                message: message as MessageShape<O>,
              });
          },
        );
        call.on("metadata", (received: Metadata) => {
          responseHeader = headersOf(received);
        });
        signal?.addEventListener("abort", () => call.cancel(), { once: true });
      });
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
    ): Promise<StreamResponse<I, O>> {
      const { metadata, options } = callSettings(header, timeoutMs);
      const serialize = (message: MessageShape<I>) => Buffer.from(toBinary(method.input, message));
      const deserialize = (bytes: Buffer) => fromBinary(method.output, bytes);
      if (method.methodKind === "server_streaming") {
        let first: MessageInitShape<I> | undefined;
        for await (const message of input) {
          first = message;
          break;
        }
        const call = client.makeServerStreamRequest(
          path(method),
          serialize,
          deserialize,
          create(method.input, first),
          metadata,
          options,
        );
        signal?.addEventListener("abort", () => call.cancel(), { once: true });
        return {
          stream: true,
          service: method.parent,
          method,
          header: new Headers(),
          trailer: new Headers(),
          message: readAll<MessageShape<O>>(call),
        };
      }
      if (method.methodKind === "client_streaming") {
        let call: ClientDuplexStream<MessageShape<I>, MessageShape<O>> | undefined;
        const response = new Promise<MessageShape<O>>((resolve, reject) => {
          const writable = client.makeClientStreamRequest(
            path(method),
            serialize,
            deserialize,
            metadata,
            options,
            (error, message) => {
              if (error) reject(toConnectError(error));
              else resolve(message as MessageShape<O>);
            },
          );
          call = writable as unknown as ClientDuplexStream<MessageShape<I>, MessageShape<O>>;
        });
        signal?.addEventListener("abort", () => call?.cancel(), { once: true });
        for await (const message of input) call?.write(create(method.input, message));
        call?.end();
        const message = await response;
        return {
          stream: true,
          service: method.parent,
          method,
          header: new Headers(),
          trailer: new Headers(),
          message: single(message),
        };
      }
      throw new ConnectError(
        `${method.methodKind} is not supported by this test transport`,
        Code.Unimplemented,
      );
    },
  };
}

function path(method: { parent: { typeName: string }; name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function callSettings(
  header: HeaderInit | undefined,
  timeoutMs: number | undefined,
): { metadata: Metadata; options: CallOptions } {
  const metadata = new Metadata();
  new Headers(header).forEach((value, name) => {
    metadata.set(name, value);
  });
  return { metadata, options: timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs } };
}

async function* readAll<T>(call: ClientReadableStream<T>): AsyncGenerator<T> {
  try {
    for await (const message of call) yield message as T;
  } catch (error) {
    throw toConnectError(error as ServiceError);
  } finally {
    call.cancel();
  }
}

async function* single<T>(message: T): AsyncGenerator<T> {
  yield message;
}

function headersOf(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(metadata.getMap())) {
    headers.set(name, Buffer.isBuffer(value) ? value.toString("base64") : String(value));
  }
  return headers;
}

/** A grpc-js ServiceError as the ConnectError connect-es clients would have raised. */
export function toConnectError(error: ServiceError): ConnectError {
  const trailer = headersOf(error.metadata ?? new Metadata());
  trailer.set("grpc-status", String(error.code));
  trailer.set("grpc-message", encodeURIComponent(error.details ?? ""));
  return (
    findTrailerError(trailer) ??
    new ConnectError(error.details ?? error.message, error.code as number as Code, trailer)
  );
}
