import { createServer as createHttpServer, type Server } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2Server,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type { ConnectError, ConnectRouter, HandlerContext, MethodImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

/** One call as the stub received it. */
export interface StubAttempt {
  /** The method's name (`GetCollection`). */
  readonly method: string;
  /** 1 for the first call of that method, 2 for the next, … */
  readonly attempt: number;
  /** `performance.now()` when it arrived. */
  readonly at: number;
  /** The deadline it carried, in milliseconds from its arrival; undefined when none. */
  readonly timeoutMs: number | undefined;
  readonly header: Headers;
}

/** A Connect, gRPC and gRPC-Web server of stub services, on 127.0.0.1:0. */
export interface StubConnectServer {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Every call received, in order. */
  readonly attempts: StubAttempt[];
  /** The calls of one method. */
  attemptsOf(method: string): StubAttempt[];
  close(): Promise<void>;
}

/**
 * Serves every unary and server-streaming method of the services with
 * `connectNodeAdapter` and no ragplane code behind it: each call is recorded, then
 * failed with the error `answer` returns or answered with the method's empty response
 * (a stream that ends at once). HTTP/1.1 by default; HTTP/2 without TLS for gRPC.
 */
export async function startStubConnectServer(
  services: readonly DescService[],
  answer: (method: string, attempt: number) => ConnectError | undefined,
  httpVersion: "1.1" | "2" = "1.1",
): Promise<StubConnectServer> {
  const attempts: StubAttempt[] = [];
  const attemptsOf = (method: string) => attempts.filter((a) => a.method === method);
  const arrive = (method: DescMethod, context: HandlerContext): void => {
    const attempt = attemptsOf(method.name).length + 1;
    attempts.push({
      method: method.name,
      attempt,
      at: performance.now(),
      timeoutMs: context.timeoutMs(),
      header: new Headers(context.requestHeader),
    });
    const error = answer(method.name, attempt);
    if (error !== undefined) throw error;
  };
  const routes = (router: ConnectRouter): void => {
    for (const method of services.flatMap((service) => service.methods)) {
      if (method.methodKind === "unary") {
        const impl = (_: unknown, context: HandlerContext) => {
          arrive(method, context);
          return create(method.output);
        };
        router.rpc(method, impl as MethodImpl<typeof method>);
      } else if (method.methodKind === "server_streaming") {
        const impl = async function* (_: unknown, context: HandlerContext) {
          arrive(method, context);
          yield* [];
        };
        router.rpc(method, impl as unknown as MethodImpl<typeof method>);
      }
    }
  };
  const handler = connectNodeAdapter({ routes });
  const sessions = new Set<ServerHttp2Session>();
  const server: Server | Http2Server =
    httpVersion === "2" ? createHttp2Server(handler) : createHttpServer(handler);
  server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    attempts,
    attemptsOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
        for (const session of sessions) session.destroy();
      }),
  };
}
