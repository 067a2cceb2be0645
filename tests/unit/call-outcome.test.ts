import { create, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type Topic, TopicSchema } from "../../gen/ragplane/v1/events_pb.js";
import type { CallOutput } from "../../interceptors/call.js";
import { observeOutcome } from "../../interceptors/call-outcome.js";

const topic = (name: string) => create(TopicSchema, { name });

async function* stream(names: readonly string[], failAfter?: number) {
  for (const [i, name] of names.entries()) {
    if (i === failAfter) throw new RangeError("broken");
    yield topic(name);
  }
}

function observer() {
  const seen: string[] = [];
  const outcomes: string[] = [];
  return {
    seen,
    outcomes,
    message: (message: Message, streamed: boolean) =>
      seen.push(`${(message as Topic).name}${streamed ? "~" : ""}`),
    done: (outcome: string) => outcomes.push(outcome),
  };
}

describe("observeOutcome", () => {
  it("reports a unary call's message and ok when it returns", async () => {
    const o = observer();
    const output: CallOutput = { stream: false, message: topic("a") };
    await expect(observeOutcome(Promise.resolve(output), o)).resolves.toBe(output);
    expect(o).toMatchObject({ seen: ["a"], outcomes: ["ok"] });
  });

  it("reports the error's class name when a unary call throws", async () => {
    const o = observer();
    await expect(observeOutcome(Promise.reject(new TypeError("x")), o)).rejects.toThrow("x");
    expect(o.outcomes).toEqual(["TypeError"]);
  });

  it("reports a stream only once it has ended, after every message", async () => {
    const o = observer();
    const output = await observeOutcome(
      Promise.resolve({ stream: true, messages: stream(["a", "b"]) }),
      o,
    );
    expect(o.outcomes).toEqual([]);
    if (!output.stream) throw new Error("expected a stream");
    for await (const _ of output.messages) expect(o.outcomes).toEqual([]);
    expect(o).toMatchObject({ seen: ["a~", "b~"], outcomes: ["ok"] });
  });

  it("reports a stream that fails midway with the error, and one left early as cancelled", async () => {
    const failing = observer();
    const output = await observeOutcome(
      Promise.resolve({ stream: true, messages: stream(["a", "b"], 1) }),
      failing,
    );
    if (!output.stream) throw new Error("expected a stream");
    await expect(async () => {
      for await (const _ of output.messages);
    }).rejects.toThrow("broken");
    expect(failing.outcomes).toEqual(["RangeError"]);

    const left = observer();
    const leftOutput = await observeOutcome(
      Promise.resolve({ stream: true, messages: stream(["a", "b"]) }),
      left,
    );
    if (!leftOutput.stream) throw new Error("expected a stream");
    for await (const _ of leftOutput.messages) break;
    expect(left.outcomes).toEqual(["cancelled"]);
  });
});
