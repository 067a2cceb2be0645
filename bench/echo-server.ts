import { ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { loadConfig } from "../server/config.js";
import { createGrpcServer } from "../server/transports/grpc.js";
import { echoMethod } from "./echo-method.js";
import { serveParent } from "./ipc.js";

/**
 * Benchmark child: a bare grpc-js server (the server options of a default ragplane) with one
 * unary method that answers every request with a fixed buffer of `argv[2]` bytes: the
 * cost of the gRPC transport alone, with no chain, no decoding and no engine.
 */
function main(): void {
  const responseBytes = Number(process.argv[2] ?? "0");
  if (!Number.isInteger(responseBytes) || responseBytes < 0) {
    throw new Error(`echo server: bad response size ${process.argv[2]}`);
  }
  const response = Buffer.alloc(responseBytes, 0x2a);
  const server = createGrpcServer(loadConfig({}).connections);
  server.addService(
    { Echo: echoMethod },
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

main();
