import { create, type DescService, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/** What the stub answers one attempt: a status to fail with, or undefined for success. */
export type StubAnswer = { readonly code: status; readonly details?: string } | undefined;

/** A grpc-js server of one ragplane service whose methods answer as a test says. */
export interface StubGrpcServer {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Attempts each method received, by method name (`GetCollection`). */
  readonly attempts: Map<string, number>;
  /**
   * The deadline each method's last attempt carried, in milliseconds after it arrived;
   * Infinity when it carried none.
   */
  readonly deadlines: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Serves every unary and server-streaming method of `service` on 127.0.0.1:0 over plain
 * grpc-js, with no ragplane code behind it: each attempt is counted, then failed with
 * the status `answer` names or answered with the method's empty response (a stream that
 * ends at once).
 */
export async function startStubGrpcServer(
  service: DescService,
  answer: (method: string, attempt: number) => StubAnswer,
): Promise<StubGrpcServer> {
  const attempts = new Map<string, number>();
  const deadlines = new Map<string, number>();
  const definition: Record<string, MethodDefinition<Message, Message>> = {};
  const implementation: UntypedServiceImplementation = {};
  const arrive = (name: string, deadline: Date | number): StubAnswer => {
    const attempt = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, attempt);
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    deadlines.set(name, at === Infinity ? Infinity : at - Date.now());
    return answer(name, attempt);
  };
  const failure = (result: { code: status; details?: string }) => ({
    code: result.code,
    details: result.details ?? "stub failure",
    metadata: new Metadata(),
  });
  for (const method of service.methods) {
    if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") continue;
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (message: Message) => Buffer.from(toBinary(method.input, message)),
      requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
      responseSerialize: (message: Message) => Buffer.from(toBinary(method.output, message)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
    if (method.methodKind === "unary") {
      const handler: handleUnaryCall<unknown, unknown> = (call, callback) => {
        const result = arrive(method.name, call.getDeadline());
        if (result === undefined) callback(null, create(method.output));
        else callback(failure(result));
      };
      implementation[method.name] = handler;
    } else {
      const handler: handleServerStreamingCall<unknown, unknown> = (call) => {
        const result = arrive(method.name, call.getDeadline());
        if (result === undefined) call.end();
        else call.destroy(Object.assign(new Error(result.details ?? "stub failure"), result));
      };
      implementation[method.name] = handler;
    }
  }
  const server = new Server();
  server.addService(definition as ServiceDefinition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    attempts,
    deadlines,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
