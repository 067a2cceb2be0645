import { once } from "node:events";
import { type DescMethod, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  Server,
  type sendUnaryData,
  type UntypedHandleCall,
} from "@grpc/grpc-js";
import type { CallOutput } from "../../interceptors/call.js";
import { invalidArgument } from "../../interceptors/validation.js";
import type { ConnectionLimits } from "../config-connections.js";
import { type MethodEntry, messageStream, singleMessage } from "../dispatch.js";
import { limits } from "../limits.js";
import type { MessageSizes } from "../telemetry/metrics.js";
import { canHoldMapKeys, prototypeKeyInBinary } from "../validation/prototype-keys.js";
import { GrpcCall } from "./grpc-call.js";
import { createGrpcCallerFaultsInterceptor } from "./grpc-caller-faults.js";
import { grpcStatusOf } from "./grpc-status.js";
import { type BinaryDecoder, packedFloatDecoder } from "./packed-floats.js";

/**
 * A request that could not be decoded, or not faithfully: answered with its
 * INVALID_ARGUMENT error, never INTERNAL.
 */
class UndecodableRequest {
  constructor(readonly error: ConnectError) {}
}

type Decoded = Message | UndecodableRequest;

/**
 * Creates a grpc-js server with the 4 MiB message limits, keepalive, the connection
 * limits (a limit of 0 is left unset: grpc-js then has none), and INVALID_ARGUMENT for
 * the malformed timeouts and compressed messages grpc-js itself refuses.
 */
export function createGrpcServer(connections: ConnectionLimits): Server {
  const unlessZero = (name: string, value: number) => (value > 0 ? { [name]: value } : {});
  return new Server({
    "grpc.max_receive_message_length": limits.maxMessageBytes,
    "grpc.max_send_message_length": limits.maxMessageBytes,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.max_concurrent_streams": connections.maxConcurrentStreams,
    ...unlessZero("grpc.max_connection_age_ms", connections.maxAgeMs),
    ...unlessZero("grpc.max_connection_age_grace_ms", connections.maxAgeGraceMs),
    ...unlessZero("grpc.max_connection_idle_ms", connections.maxIdleMs),
    interceptors: [createGrpcCallerFaultsInterceptor()],
  });
}

/**
 * Registers every method on a grpc-js server, with (de)serialisers built from the
 * generated descriptors and handlers that run the shared chain. This path stays off
 * Connect's invocation machinery: grpc-js calls our chain directly.
 */
export function addMethodsToGrpcServer(
  server: Server,
  entries: Iterable<MethodEntry>,
  sizes?: MessageSizes,
): void {
  const byService = new Map<
    string,
    {
      definition: Record<string, MethodDefinition<Decoded, Message>>;
      handlers: Record<string, UntypedHandleCall>;
    }
  >();
  for (const entry of entries) {
    const { method } = entry;
    const serviceName = method.parent.typeName;
    let service = byService.get(serviceName);
    if (service === undefined) {
      service = { definition: {}, handlers: {} };
      byService.set(serviceName, service);
    }
    const observe = sizes?.forMethod(method, "grpc");
    const decode = decoderOf(method);
    service.definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming",
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (message: Decoded) =>
        Buffer.from(toBinary(method.input, message as Message)),
      requestDeserialize:
        observe === undefined
          ? decode
          : (bytes: Buffer) => {
              observe.request(bytes.length);
              return decode(bytes);
            },
      responseSerialize:
        observe === undefined
          ? (message: Message) => Buffer.from(toBinary(method.output, message))
          : (message: Message) => {
              const bytes = toBinary(method.output, message);
              observe.response(bytes.length);
              return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
            },
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      originalName: method.localName,
    };
    service.handlers[method.name] = handlerFor(entry);
  }
  for (const { definition, handlers } of byService.values())
    server.addService(definition, handlers);
}

/**
 * Decodes requests of `method` (a query vector in one copy: see packed-floats.ts). A
 * request whose map holds the key `__proto__`, which protobuf-es would drop while
 * decoding, is refused with a field violation instead.
 */
function decoderOf(method: DescMethod): (bytes: Buffer) => Decoded {
  const checkKeys = canHoldMapKeys(method.input);
  const read: BinaryDecoder =
    packedFloatDecoder(method.input) ?? ((bytes) => fromBinary(method.input, bytes));
  return (bytes) => {
    let message: Message;
    try {
      message = read(bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : "malformed message";
      return new UndecodableRequest(
        new ConnectError(`cannot decode request: ${reason}`, Code.InvalidArgument),
      );
    }
    const violation = checkKeys ? prototypeKeyInBinary(method.input, bytes) : undefined;
    return violation === undefined ? message : new UndecodableRequest(invalidArgument([violation]));
  };
}

function handlerFor({ method, invoke }: MethodEntry): UntypedHandleCall {
  switch (method.methodKind) {
    case "unary":
      return unaryHandler(method, invoke);
    case "server_streaming":
      return serverStreamHandler(method, invoke);
    case "client_streaming":
      return clientStreamHandler(method, invoke);
    default:
      throw new Error(`${method.name}: ${method.methodKind} methods are not supported`);
  }
}

function unaryHandler(
  method: DescMethod,
  invoke: MethodEntry["invoke"],
): handleUnaryCall<Decoded, Message> {
  return (surface, callback) => {
    const request = surface.request;
    if (request instanceof UndecodableRequest) {
      callback(grpcStatusOf(request.error), null);
      return;
    }
    const call = new GrpcCall(method, surface);
    answerOnce(call, invoke(call, { stream: false, message: request }), callback);
  };
}

function clientStreamHandler(
  method: DescMethod,
  invoke: MethodEntry["invoke"],
): handleClientStreamingCall<Decoded, Message> {
  return (surface, callback) => {
    const call = new GrpcCall(method, surface);
    answerOnce(call, invoke(call, { stream: true, messages: decodedMessages(surface) }), callback);
  };
}

/** Sends a unary or client-streaming call's single response, or its error status. */
function answerOnce(
  call: GrpcCall,
  output: Promise<CallOutput>,
  callback: sendUnaryData<Message>,
): void {
  output.then(
    (result) => {
      call.flushResponseHeaders();
      call.finish();
      callback(null, singleMessage(result));
    },
    (error: unknown) => {
      call.finish();
      callback(grpcStatusOf(error, call.takeResponseHeaders()), null);
    },
  );
}

async function* decodedMessages(source: AsyncIterable<Decoded>): AsyncGenerator<Message> {
  for await (const message of source) {
    if (message instanceof UndecodableRequest) throw message.error;
    yield message;
  }
}

function serverStreamHandler(
  method: DescMethod,
  invoke: MethodEntry["invoke"],
): handleServerStreamingCall<Decoded, Message> {
  return (surface) => {
    const request = surface.request;
    if (request instanceof UndecodableRequest) {
      surface.emit("error", grpcStatusOf(request.error));
      return;
    }
    const call = new GrpcCall(method, surface);
    const cancelled = new Promise<void>((resolve) => surface.once("cancelled", resolve));
    const pump = async (): Promise<void> => {
      const output = await invoke(call, { stream: false, message: request });
      call.flushResponseHeaders();
      for await (const message of messageStream(output)) {
        if (surface.cancelled) break;
        if (!surface.write(message)) await Promise.race([once(surface, "drain"), cancelled]);
      }
      call.flushResponseHeaders();
      if (!surface.cancelled) surface.end();
    };
    pump().catch((error: unknown) => {
      if (!surface.cancelled)
        surface.emit("error", grpcStatusOf(error, call.takeResponseHeaders()));
    });
  };
}
