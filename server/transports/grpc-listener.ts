import { type AddressInfo, createServer } from "node:net";
import type { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import { PeerConnections } from "./peer-connections.js";

/** The gRPC port's listener, bound. */
export interface GrpcListener {
  readonly port: number;
  /**
   * Stops accepting connections, at once: those open are grpc-js's to close
   * (`tryShutdown`), so this does not wait for them as `net.Server#close` would.
   */
  close(): void;
}

/**
 * Listens on the gRPC port itself and hands each accepted connection to grpc-js through
 * its connection injector (`createConnectionInjector`, which serves it exactly as a bound
 * port would: TLS, keepalive, connection age and idle limits), after capping the
 * connections one remote address may hold (`GRPC_MAX_CONNECTIONS_PER_PEER`): one more is
 * closed as it opens, so a single peer cannot exhaust the process's sockets.
 */
export async function listenGrpc(
  server: GrpcServer,
  credentials: ServerCredentials,
  host: string,
  port: number,
  maxConnectionsPerPeer: number,
): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(credentials);
  const peers = new PeerConnections(maxConnectionsPerPeer);
  const listener = createServer((socket) => {
    if (peers.admit(socket)) injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  return {
    port: (listener.address() as AddressInfo).port,
    close: () => {
      listener.close();
    },
  };
}
