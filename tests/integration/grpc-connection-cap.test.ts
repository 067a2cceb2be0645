import { connect, type Socket } from "node:net";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ GRPC_MAX_CONNECTIONS_PER_PEER: "3" });
});
afterAll(() => server?.close());

/** A raw TCP connection to the gRPC port, and whether the server closed it within 1 s. */
async function dial(): Promise<{ socket: Socket; closedByServer: Promise<boolean> }> {
  const socket = await new Promise<Socket>((resolve) => {
    const opened = connect(server.ports.grpcPort, "127.0.0.1", () => resolve(opened));
    opened.on("error", () => undefined);
  });
  const closedByServer = new Promise<boolean>((resolve) => {
    socket.once("close", () => resolve(true));
    setTimeout(() => resolve(false), 1_000).unref();
  });
  return { socket, closedByServer };
}

describe("connections per peer on the gRPC port", () => {
  it("closes a peer's connection past GRPC_MAX_CONNECTIONS_PER_PEER as it opens, and admits one again once another closes", async () => {
    const held = await Promise.all([dial(), dial(), dial()]);
    const extra = await dial();
    expect(await extra.closedByServer).toBe(true);
    held[0]?.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await dial();
    expect(await again.closedByServer).toBe(false);
    for (const { socket } of [...held, again]) socket.destroy();
  });

  it("serves gRPC calls on the connections it admits", async () => {
    const vectors = createClient(VectorsService, server.transport("grpc-js"));
    const { collections } = await vectors.listCollections({});
    expect(collections).toEqual([]);
  });
});
