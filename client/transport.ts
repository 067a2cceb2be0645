import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor, Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { createBearerInterceptor, createRequestIdInterceptor } from "./headers.js";
import { defaultTimeoutMs } from "./policy.js";
import { createRetryInterceptor, type RetryOptions } from "./retry.js";

/** The wire protocols ragplane serves. */
export type RagplaneProtocol = "connect" | "grpc" | "grpc-web";

/** Where ragplane is, how to reach it, and how calls behave. */
export interface RagplaneTransportOptions {
  /**
   * Base URL of the port to call: the HTTP port (`http://127.0.0.1:8080`) for Connect and
   * gRPC-Web, either port for gRPC (`http://127.0.0.1:50051`).
   */
  readonly baseUrl: string;
  /** Default `"connect"`. */
  readonly protocol?: RagplaneProtocol;
  /** HTTP version of Connect and gRPC-Web; gRPC is always HTTP/2. Default `"1.1"`. */
  readonly httpVersion?: "1.1" | "2";
  /** An `rp_…` API key, sent as `authorization: Bearer …`. At most one of apiKey and token. */
  readonly apiKey?: string;
  /** A JWT, sent as `authorization: Bearer …`. At most one of apiKey and token. */
  readonly token?: string;
  /** The retry policy (see `createRetryInterceptor`); `false` sends every call once. */
  readonly retry?: RetryOptions | false;
  /**
   * The deadline, in milliseconds, of calls made without a `timeoutMs` of their own; 0
   * for none. Default per method: 10 000 for reads, 30 000 for writes. Calls whose
   * server streams (Subscribe) get no deadline unless they set one.
   */
  readonly timeoutMs?: number;
  /** More interceptors, run on every attempt of a call, inside the retries. */
  readonly interceptors?: readonly Interceptor[];
}

/**
 * A Connect transport to ragplane. Its interceptors, outermost first: request ids,
 * credentials, retries, then the caller's.
 */
export function createRagplaneTransport(options: RagplaneTransportOptions): Transport {
  const credential = credentialOf(options);
  const interceptors: Interceptor[] = [
    createRequestIdInterceptor(),
    ...(credential === undefined ? [] : [createBearerInterceptor(credential)]),
    ...(options.retry === false ? [] : [createRetryInterceptor(options.retry)]),
    ...(options.interceptors ?? []),
  ];
  const { baseUrl } = options;
  const httpVersion = options.httpVersion ?? "1.1";
  const protocol = options.protocol ?? "connect";
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl, interceptors })
      : protocol === "grpc-web"
        ? createGrpcWebTransport({ baseUrl, httpVersion, interceptors })
        : createConnectTransport({ baseUrl, httpVersion, interceptors });
  return withDefaultTimeouts(transport, (method) => {
    const byClass = defaultTimeoutMs(method);
    return byClass === undefined ? undefined : (options.timeoutMs ?? byClass);
  });
}

/**
 * Wraps a transport so that a call made without a timeout gets the one `timeoutFor`
 * gives its method; the transport then sends it (`grpc-timeout`, `connect-timeout-ms`)
 * and ends the call when it passes.
 */
export function withDefaultTimeouts(
  transport: Transport,
  timeoutFor: (method: DescMethod) => number | undefined,
): Transport {
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(
        method,
        signal,
        timeoutMs ?? timeoutFor(method),
        header,
        input,
        contextValues,
      ),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(
        method,
        signal,
        timeoutMs ?? timeoutFor(method),
        header,
        input,
        contextValues,
      ),
  };
}

function credentialOf(options: RagplaneTransportOptions): string | undefined {
  if (options.apiKey !== undefined && options.token !== undefined) {
    throw new TypeError("set apiKey or token, not both");
  }
  return options.apiKey ?? options.token;
}
