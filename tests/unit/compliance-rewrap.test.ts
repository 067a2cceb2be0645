import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  type KeyRewrapper,
  type RewrapCounts,
  streamRewrap,
} from "../../server/services/compliance/rewrap.js";
import type { ServiceContext } from "../../server/services/context.js";

const context = (tenant: string): ServiceContext => ({
  tenant,
  signal: new AbortController().signal,
  principal: { tenant, subject: "key:k1", scopes: ["admin"] } as never,
  requestId: "r1",
  peer: "127.0.0.1",
  deadline: undefined,
});

/** A re-wrap reporting progress every 10 ms for `ms`, then its result. */
function slowRewrap(ms: number): KeyRewrapper {
  return {
    async rewrap(onProgress: (progress: RewrapCounts) => void) {
      let checked = 0;
      const end = Date.now() + ms;
      while (Date.now() < end) {
        checked++;
        onProgress({ checked, rewrapped: Math.floor(checked / 2) });
        await sleep(10);
      }
      return {
        checked,
        rewrapped: Math.floor(checked / 2),
        activeKeyId: "k2",
        remainingKeyIds: [],
      };
    },
  };
}

describe("RewrapDataKeys stream", () => {
  it("sends progress at most every interval, then the result", async () => {
    const times: number[] = [];
    const steps = [];
    for await (const message of streamRewrap(slowRewrap(700), "default", context("default"), 200)) {
      times.push(Date.now());
      steps.push(message.step);
    }
    const progress = steps.filter((step) => step?.case === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(190);
    }
    const last = steps.at(-1);
    expect(last?.case).toBe("result");
    expect(last?.value).toMatchObject({ activeKeyId: "k2", remainingKeyIds: [] });
  });

  it("refuses a caller outside the platform tenant before re-wrapping anything", async () => {
    let called = false;
    const rewrapper: KeyRewrapper = {
      async rewrap() {
        called = true;
        return { checked: 0, rewrapped: 0, activeKeyId: "k", remainingKeyIds: [] };
      },
    };
    const stream = streamRewrap(rewrapper, "default", context("acme"));
    await expect(stream.next()).rejects.toMatchObject({ name: "PermissionDeniedError" });
    expect(called).toBe(false);
  });
});
