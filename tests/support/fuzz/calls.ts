import type { DescMethod } from "@bufbuild/protobuf";
import type { Client, Metadata, ServiceError } from "@grpc/grpc-js";
import { randomIndex } from "../../../bench/prng.js";
import type { Random } from "./draw.js";

/** What the server answered to one call: its status code and message (0 and "" for OK). */
export interface Outcome {
  readonly code: number;
  readonly message: string;
}

const identity = (bytes: Buffer): Buffer => bytes;
const outcomeOf = (error: ServiceError | null): Outcome =>
  error === null ? { code: 0, message: "" } : { code: error.code, message: error.details };

/**
 * Sends pre-encoded request messages to `method` through a raw grpc-js client, bypassing
 * client-side encoding. Unary and server-streaming calls send the first message; a
 * server stream is cancelled at its first message, its end, or after `openMs` of silence.
 */
export function callRaw(
  client: Client,
  method: DescMethod,
  requests: readonly Uint8Array[],
  metadata: Metadata,
  options: { readonly deadlineMs: number; readonly openMs: number },
): Promise<Outcome> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const callOptions = { deadline: Date.now() + options.deadlineMs };
  const first = Buffer.from(requests[0] ?? new Uint8Array());
  return new Promise((resolve) => {
    switch (method.methodKind) {
      case "unary":
        client.makeUnaryRequest(path, identity, identity, first, metadata, callOptions, (error) =>
          resolve(outcomeOf(error)),
        );
        return;
      case "client_streaming": {
        const call = client.makeClientStreamRequest(
          path,
          identity,
          identity,
          metadata,
          callOptions,
          (error) => resolve(outcomeOf(error)),
        );
        for (const request of requests) call.write(Buffer.from(request));
        call.end();
        return;
      }
      case "server_streaming": {
        const stream = client.makeServerStreamRequest(
          path,
          identity,
          identity,
          first,
          metadata,
          callOptions,
        );
        let settled = false;
        const settle = (outcome: Outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          stream.removeAllListeners("data").removeAllListeners("end");
          stream.on("error", () => undefined);
          stream.cancel();
          resolve(outcome);
        };
        const timer = setTimeout(() => settle({ code: 0, message: "" }), options.openMs);
        stream.once("data", () => settle({ code: 0, message: "" }));
        stream.once("end", () => settle({ code: 0, message: "" }));
        stream.once("error", (error: ServiceError) => settle(outcomeOf(error)));
        return;
      }
      case "bidi_streaming":
        throw new Error(`${path}: bidi streaming methods are not fuzzed`);
    }
  });
}

/** A copy of `items` in an order drawn from `random` (Fisher–Yates). */
export function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as T, shuffled[i] as T];
  }
  return shuffled;
}

/** Runs `task` over `items` with at most `limit` in flight, results in item order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
