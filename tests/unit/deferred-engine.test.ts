import { describe, expect, it } from "vitest";
import { EngineUnavailableError } from "../../clients/errors.js";
import { connectInBackground, type Engine } from "../../server/deferred-engine.js";

interface Greeter extends Engine {
  greet(name: string): string;
}

function greeter(): Greeter {
  return {
    greet: (name) => `hello ${name}`,
    health: () => Promise.resolve({ ok: true }),
    close: () => Promise.resolve(),
  };
}

describe("connectInBackground", () => {
  it("fails fast and reports not ready until the engine connects, then passes calls through", async () => {
    let attempts = 0;
    const deferred = connectInBackground(
      async () => {
        attempts++;
        if (attempts < 3) throw new Error("connection refused");
        return greeter();
      },
      { name: "greeter", initialDelayMs: 5 },
    );
    expect(() => deferred.engine.greet("a")).toThrow(EngineUnavailableError);
    expect(await deferred.engine.health()).toEqual({
      ok: false,
      detail: expect.stringMatching(/^greeter: (connecting|connection refused)$/),
    });
    await deferred.ready;
    expect(attempts).toBe(3);
    expect(deferred.engine.greet("b")).toBe("hello b");
    expect(await deferred.engine.health()).toEqual({ ok: true });
    await deferred.engine.close();
  });

  it("stops retrying once closed", async () => {
    let attempts = 0;
    const deferred = connectInBackground<Greeter>(
      async () => {
        attempts++;
        throw new Error("down");
      },
      { name: "greeter", initialDelayMs: 5 },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await deferred.engine.close();
    const seen = attempts;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(attempts).toBe(seen);
  });
});
