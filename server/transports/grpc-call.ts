import type { PeerCertificate } from "node:tls";
import type { DescMethod } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { Metadata } from "@grpc/grpc-js";
import { CancelledError } from "../../clients/errors.js";
import { type Call, CallBase, type Peer } from "../../interceptors/call.js";
import { clientCertificateOf, LazyPeer } from "./client-certificate.js";

/** What every grpc-js server call offers, whatever its kind. */
export interface SurfaceCall {
  readonly metadata: Metadata;
  getPeer(): string;
  /** The verified TLS peer certificate, when there is one (grpc-js checks `authorized`). */
  getAuthContext(): { readonly sslPeerCertificate?: PeerCertificate };
  getDeadline(): Date | number;
  sendMetadata(metadata: Metadata): void;
  once(event: "cancelled", listener: () => void): unknown;
}

/** A grpc-js server call seen through the transport-neutral {@link Call}. */
export class GrpcCall extends CallBase implements Call {
  readonly protocol = "grpc" as const;
  readonly values = createContextValues();
  deadline: number | undefined;
  private responseMetadata: Metadata | undefined;
  private peerInfo: Peer | undefined;
  private finished = false;

  constructor(
    readonly method: DescMethod,
    private readonly surface: SurfaceCall,
  ) {
    super();
    const deadline = surface.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(ms) ? ms : undefined;
    surface.once("cancelled", () => {
      if (!this.finished) this.abort(new CancelledError());
    });
  }

  get peer(): Peer {
    this.peerInfo ??= new LazyPeer(this.surface.getPeer(), () =>
      clientCertificateOf(this.surface.getAuthContext().sslPeerCertificate),
    );
    return this.peerInfo;
  }

  header(name: string): string | undefined {
    const value = this.surface.metadata.get(name)[0];
    return typeof value === "string" ? value : undefined;
  }

  setResponseHeader(name: string, value: string): void {
    this.responseMetadata ??= new Metadata();
    this.responseMetadata.set(name, value);
  }

  /**
   * Marks the call as answered. grpc-js reports every stream's close as "cancelled",
   * even after the status went out; from here on that is not a client cancellation.
   */
  finish(): void {
    this.finished = true;
  }

  /** Sends the collected response headers, once, before the first message or status. */
  flushResponseHeaders(): void {
    if (this.responseMetadata === undefined) return;
    this.surface.sendMetadata(this.responseMetadata);
    this.responseMetadata = undefined;
  }

  /** The collected response headers, to be sent with a unary response. */
  takeResponseHeaders(): Metadata | undefined {
    const metadata = this.responseMetadata;
    this.responseMetadata = undefined;
    return metadata;
  }
}
