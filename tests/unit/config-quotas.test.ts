import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";
import { defaultQuotas, quotasOf } from "../../server/config-quotas.js";

function file(content: string): string {
  const path = join(tmpdir(), `ragplane-quotas-${process.pid}-${Math.random()}.json`);
  writeFileSync(path, content);
  return path;
}

describe("quota configuration", () => {
  it("defaults every tenant to finite quotas", () => {
    const config = loadConfig({});
    expect(quotasOf(config.quotas, "any")).toEqual(defaultQuotas);
    for (const quota of Object.values(defaultQuotas)) expect(quota).toBeGreaterThan(0);
  });

  it("reads defaults from QUOTA_* and overrides per tenant from QUOTAS_FILE", () => {
    const config = loadConfig({
      QUOTA_POINTS: "500",
      QUOTAS_FILE: file(JSON.stringify({ tenants: { acme: { points: 0, nodes: 7 } } })),
    });
    expect(quotasOf(config.quotas, "other").points).toBe(500);
    expect(quotasOf(config.quotas, "acme")).toMatchObject({ points: 0, nodes: 7, topics: 1000 });
  });

  it.each([
    ["not JSON", "{", /cannot be read as JSON/],
    ["no tenants", "{}", /must be \{"tenants"/],
    ["an unknown resource", '{"tenants": {"a": {"bytes": 1}}}', /tenant "a" must map resources/],
    ["a negative quota", '{"tenants": {"a": {"points": -1}}}', /tenant "a" must map resources/],
  ])("refuses a QUOTAS_FILE with %s", (_, content, message) => {
    expect(() => loadConfig({ QUOTAS_FILE: file(content) })).toThrow(ConfigError);
    expect(() => loadConfig({ QUOTAS_FILE: file(content) })).toThrow(message);
  });

  it("refuses a QUOTA_* that is not a whole number", () => {
    expect(() => loadConfig({ QUOTA_NODES: "1e6" })).toThrow(/QUOTA_NODES/);
  });
});
