import { describe, expect, it } from "vitest";
import { countingWindow } from "../../security/rate-limit/window.js";

describe("countingWindow", () => {
  it("counts any window to the millisecond in memory", () => {
    expect(countingWindow(250, { perTenant: 10, perPrincipal: 0 }, false)).toEqual({
      durationS: 0.25,
      perTenant: 10,
      perPrincipal: 0,
    });
  });

  it("rounds a shared window to whole seconds, keeping each budget's rate", () => {
    expect(countingWindow(1000, { perTenant: 2000, perPrincipal: 1000 }, true)).toEqual({
      durationS: 1,
      perTenant: 2000,
      perPrincipal: 1000,
    });
    expect(countingWindow(500, { perTenant: 100, perPrincipal: 3 }, true)).toEqual({
      durationS: 1,
      perTenant: 200,
      perPrincipal: 6,
    });
    expect(countingWindow(2400, { perTenant: 24, perPrincipal: 0 }, true)).toEqual({
      durationS: 2,
      perTenant: 20,
      perPrincipal: 0,
    });
  });

  it("never turns a budget off by scaling it down", () => {
    expect(countingWindow(1400, { perTenant: 1, perPrincipal: 0 }, true)).toEqual({
      durationS: 1,
      perTenant: 1,
      perPrincipal: 0,
    });
  });
});
