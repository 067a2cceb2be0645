import { startProfiling } from "./child-profiler.js";

/** Messages a benchmark child sends its parent over the IPC channel. */
export type ChildMessage =
  | {
      readonly type: "ready";
      readonly port: number;
      /** Request headers that authenticate calls to the child; none when it needs none. */
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly type: "reply";
      readonly id: number;
      readonly cpuMicros?: number;
      readonly error?: string;
    };

/** Requests the parent sends a benchmark child; each is answered by a `reply` with its id. */
export type ParentRequest =
  | { readonly type: "usage"; readonly id: number }
  | { readonly type: "profile-start"; readonly id: number }
  | { readonly type: "profile-stop"; readonly id: number; readonly path: string };

/** Messages the parent sends a benchmark child. */
export type ParentMessage = ParentRequest | { readonly type: "stop" };

/**
 * Child side of the channel: announces the bound port (and the headers a client must send,
 * such as `authorization`), answers CPU-usage probes and profiling requests, runs `stop`
 * then exits when asked, and exits at once if the parent goes away, so a crashed benchmark
 * never leaves a server behind.
 */
export function serveParent(
  port: number,
  stop: () => Promise<void>,
  headers: Readonly<Record<string, string>> = {},
): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  let profiling: ReturnType<typeof startProfiling> | undefined;
  const answer = async (request: ParentRequest): Promise<ChildMessage> => {
    switch (request.type) {
      case "usage": {
        const { user, system } = process.cpuUsage();
        return { type: "reply", id: request.id, cpuMicros: user + system };
      }
      case "profile-start":
        profiling = startProfiling();
        await profiling;
        return { type: "reply", id: request.id };
      case "profile-stop": {
        if (profiling === undefined) throw new Error("no profile was started");
        await (await profiling).stop(request.path);
        profiling = undefined;
        return { type: "reply", id: request.id };
      }
    }
  };
  process.on("disconnect", () => process.exit(1));
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stop") {
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
      return;
    }
    answer(message).then(send, (error: unknown) =>
      send({ type: "reply", id: message.id, error: String(error) }),
    );
  });
  send({ type: "ready", port, headers });
}
