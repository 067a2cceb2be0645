import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastCounter, FastGauge, FastHistogram } from "../../server/telemetry/instruments.js";

describe("hot-path metric families", () => {
  it("expose cumulative histogram buckets, sum and count per label set, as Prometheus does", async () => {
    const registry = new Registry();
    const histogram = new FastHistogram(registry, "t_seconds", "test", [0.1, 1]);
    const child = histogram.child({ method: "Search" });
    for (const value of [0.05, 0.5, 0.7, 3]) child.observe(value);
    expect(histogram.child({ method: "Search" })).toBe(child);
    const text = await registry.metrics();
    expect(text).toContain('t_seconds_bucket{method="Search",le="0.1"} 1');
    expect(text).toContain('t_seconds_bucket{method="Search",le="1"} 3');
    expect(text).toContain('t_seconds_bucket{method="Search",le="+Inf"} 4');
    expect(text).toContain('t_seconds_sum{method="Search"} 4.25');
    expect(text).toContain('t_seconds_count{method="Search"} 4');
    expect(text).toContain("# TYPE t_seconds histogram");
  });

  it("count and gauge per label set, escaping label values", async () => {
    const registry = new Registry();
    const counter = new FastCounter(registry, "t_total", "test");
    counter.child({ reason: 'a"b' }).inc();
    counter.child({ reason: 'a"b' }).inc(2);
    const gauge = new FastGauge(registry, "t_open", "test").child({});
    gauge.inc();
    gauge.inc();
    gauge.dec();
    const text = await registry.metrics();
    expect(text).toContain('t_total{reason="a\\"b"} 3');
    expect(text).toContain("t_open 1");
  });
});
