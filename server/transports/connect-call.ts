import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { type ContextValues, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { CancelledError } from "../../clients/errors.js";
import { type Call, CallBase, type Peer, type Protocol } from "../../interceptors/call.js";
import { LazyPeer, requestCertificate } from "./client-certificate.js";

/** The Node request behind a Connect call, stashed by the adapter's `contextValues`. */
export const nodeRequestKey = createContextKey<IncomingMessage | Http2ServerRequest | undefined>(
  undefined,
  { description: "node request" },
);

/** A connect-node handler context seen through the transport-neutral {@link Call}. */
export class ConnectCall extends CallBase implements Call {
  readonly protocol: Protocol;
  readonly values: ContextValues;
  deadline: number | undefined;
  private peerInfo: Peer | undefined;

  constructor(
    readonly method: DescMethod,
    private readonly context: HandlerContext,
  ) {
    super();
    this.protocol =
      context.protocolName === "connect" ? "connect" : (context.protocolName as Protocol);
    this.values = context.values;
    const timeoutMs = context.timeoutMs();
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const signal = context.signal;
    if (signal.aborted) this.abort(new CancelledError({ cause: signal.reason }));
    else
      signal.addEventListener(
        "abort",
        () => this.abort(new CancelledError({ cause: signal.reason })),
        { once: true },
      );
  }

  get peer(): Peer {
    if (this.peerInfo === undefined) {
      const request = this.context.values.get(nodeRequestKey);
      const socket = request?.socket;
      const address = socket ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown";
      this.peerInfo =
        request === undefined
          ? { address }
          : new LazyPeer(address, () => requestCertificate(request));
    }
    return this.peerInfo;
  }

  header(name: string): string | undefined {
    return this.context.requestHeader.get(name) ?? undefined;
  }

  setResponseHeader(name: string, value: string): void {
    this.context.responseHeader.set(name, value);
  }
}
