import type { DescMethod } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { type Call, CallBase, type Peer, type Protocol } from "../../interceptors/call.js";

/** An in-memory {@link Call} for unit tests of interceptors. */
export class FakeCall extends CallBase implements Call {
  readonly protocol: Protocol = "grpc";
  readonly peer: Peer = { address: "127.0.0.1:1" };
  readonly values = createContextValues();
  readonly responseHeaders = new Map<string, string>();
  deadline: number | undefined;

  constructor(
    readonly method: DescMethod,
    private readonly requestHeaders: Record<string, string> = {},
    deadline?: number,
  ) {
    super();
    this.deadline = deadline;
  }

  header(name: string): string | undefined {
    return this.requestHeaders[name];
  }

  setResponseHeader(name: string, value: string): void {
    this.responseHeaders.set(name, value);
  }
}
