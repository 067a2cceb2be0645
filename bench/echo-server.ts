import { ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { loadConfig } from "../server/config.js";
import { createGrpcServer } from "../server/transports/grpc.js";
import { echoMethod } from "./echo-method.js";
import { serveParent } from "./ipc.js";

/**
 * Benchmark child: a bare grpc-js server (the server options of a default ragplane) with one
 * unary method that answers every request with a fixed buffer: the cost of the gRPC
 * transport alone, with no chain, no decoding and no engine. `argv[2]` is the buffer: a
 * size in bytes (filled with one byte), or `base64:<bytes>` (a real answer, for a load
 * generator that decodes responses). `argv[3]`, when given, is the method's path (e.g.
 * ragplane's GetCollection, so that a load generator sends the same request to both); by
 * default `echoMethod`'s.
 */
function main(): void {
  const response = fixedResponse(process.argv[2] ?? "0");
  const path = process.argv[3] ?? echoMethod.path;
  const server = createGrpcServer(loadConfig({}).connections);
  server.addService(
    { Echo: { ...echoMethod, path } },
    {
      Echo: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
        callback(null, response),
    },
  );
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    serveParent(port, () => new Promise((resolve) => server.tryShutdown(() => resolve())));
  });
}

function fixedResponse(argument: string): Buffer {
  if (argument.startsWith("base64:")) return Buffer.from(argument.slice(7), "base64");
  const size = Number(argument);
  if (!Number.isInteger(size) || size < 0) {
    throw new Error(`echo server: bad response ${argument}`);
  }
  return Buffer.alloc(size, 0x2a);
}

main();
