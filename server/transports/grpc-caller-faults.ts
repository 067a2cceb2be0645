import {
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from "@grpc/grpc-js";

type SentStatus = Parameters<ServerInterceptingCallInterface["sendStatus"]>[0];

/** How grpc-js 1.x starts the details of the INTERNAL statuses it raises for bytes the caller sent. */
const invalidTimeout = "Invalid grpc-timeout value ";
const undecompressable = "Failed to decompress message";

/**
 * grpc-js answers two faults of the caller with INTERNAL, from its own call handling and
 * before any handler runs: a `grpc-timeout` header it cannot parse (`abc`, `1x`) and a
 * compressed message whose bytes do not decompress with the declared `grpc-encoding`. This
 * interceptor answers both with INVALID_ARGUMENT, as the HTTP port does; every other status
 * passes through untouched.
 *
 * grpc-js raises these statuses on its base call directly (`this.sendStatus`), so no
 * responder sees them. The one hook that reaches them is the base call itself, which the
 * first server interceptor receives: its `sendStatus` is replaced on that one call object,
 * never on the class. It must therefore be the first interceptor of the server's list; had
 * another come first, the faults would keep their INTERNAL and nothing else would change.
 */
export function createGrpcCallerFaultsInterceptor(): ServerInterceptor {
  return (_method, call) => {
    const send = call.sendStatus.bind(call);
    call.sendStatus = (sent) => send(recoded(sent));
    return new ServerInterceptingCall(call);
  };
}

function recoded(sent: SentStatus): SentStatus {
  if (sent.code !== status.INTERNAL) return sent;
  const details = sent.details ?? "";
  if (details.startsWith(invalidTimeout)) {
    return {
      ...sent,
      code: status.INVALID_ARGUMENT,
      details: `${details}: expected at most 8 digits and a unit (H, M, S, m, u or n)`,
    };
  }
  if (details === undecompressable) {
    return {
      ...sent,
      code: status.INVALID_ARGUMENT,
      details: `${details}: its bytes are not valid for the declared grpc-encoding`,
    };
  }
  return sent;
}
