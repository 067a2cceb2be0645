import { ConnectError } from "@connectrpc/connect";

/** Awaits a promise that must reject with a ConnectError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw new Error(`expected a ConnectError, got ${String(error)}`);
  }
  throw new Error("expected the call to fail, but it succeeded");
}
