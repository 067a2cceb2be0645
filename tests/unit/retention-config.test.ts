import { create } from "@bufbuild/protobuf";
import { DurationSchema, durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { SetLabelRetentionRequestSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import {
  CreateCollectionRequestSchema,
  Distance,
  SetCollectionRetentionRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { ConfigError, loadConfig } from "../../server/config.js";
import { toMaxAgeMs } from "../../server/retention/max-age.js";
import { graphsValidators } from "../../server/services/graphs/validate.js";
import { vectorsValidators } from "../../server/services/vectors/validate.js";

const base = { DATA_DIR: "/tmp/ragplane-retention-config" };

describe("retention configuration", () => {
  it("sweeps every minute on every replica and leaves the audit topic alone by default", () => {
    expect(loadConfig(base).retention).toEqual({
      sweeper: true,
      sweepIntervalMs: 60_000,
      auditRetentionMs: undefined,
    });
  });

  it("reads AUDIT_RETENTION as a duration with a unit, or 0 for forever", () => {
    const of = (value: string) =>
      loadConfig({ ...base, AUDIT_RETENTION: value }).retention.auditRetentionMs;
    expect(of("90d")).toBe(90 * 86_400_000);
    expect(of("2160h")).toBe(2160 * 3_600_000);
    expect(of("30m")).toBe(1_800_000);
    expect(of("0")).toBe(0);
  });

  it.each(["90", "1.5d", "500ms", "-1d", "40000d", "forever"])(
    "refuses AUDIT_RETENTION=%s",
    (value) => {
      expect(() => loadConfig({ ...base, AUDIT_RETENTION: value })).toThrow(ConfigError);
    },
  );

  it("reads the sweeper switch and interval", () => {
    const config = loadConfig({
      ...base,
      RETENTION_SWEEPER: "false",
      RETENTION_SWEEP_INTERVAL_MS: "5000",
    });
    expect(config.retention).toMatchObject({ sweeper: false, sweepIntervalMs: 5_000 });
    expect(() => loadConfig({ ...base, RETENTION_SWEEP_INTERVAL_MS: "10" })).toThrow(ConfigError);
  });
});

describe("maximum ages in requests", () => {
  const collection = (maxAgeMs?: number, nanos?: number) =>
    vectorsValidators.setCollectionRetention?.(
      create(SetCollectionRetentionRequestSchema, {
        name: "docs",
        ...(maxAgeMs === undefined ? {} : { maxAge: durationFromMs(maxAgeMs) }),
        ...(nanos === undefined ? {} : { maxAge: { seconds: 1n, nanos } }),
      }),
    );

  it("accepts none, zero, and 1 s to 100 years", () => {
    expect(collection()).toEqual([]);
    expect(collection(0)).toEqual([]);
    expect(collection(1_000)).toEqual([]);
    expect(collection(100 * 365 * 86_400_000)).toEqual([]);
  });

  it("refuses under a second, over 100 years, negative and invalid nanos, on max_age", () => {
    for (const bad of [999, 101 * 365 * 86_400_000, -5_000]) {
      expect(collection(bad)).toEqual([{ field: "max_age", description: expect.any(String) }]);
    }
    expect(collection(undefined, 1_000_000_000)?.map((v) => v.field)).toEqual(["max_age"]);
  });

  it("checks max_age at CreateCollection and the label at SetLabelRetention", () => {
    const created = vectorsValidators.createCollection?.(
      create(CreateCollectionRequestSchema, {
        name: "docs",
        dimension: 2,
        distance: Distance.DOT,
        maxAge: durationFromMs(10),
      }),
    );
    expect(created?.map((v) => v.field)).toEqual(["max_age"]);
    const label = graphsValidators.setLabelRetention?.(
      create(SetLabelRetentionRequestSchema, { label: "has space", maxAge: durationFromMs(500) }),
    );
    expect(label?.map((v) => v.field)).toEqual(["label", "max_age"]);
  });

  it("stores a maximum age in whole ms, rounded up, and zero as forever", () => {
    expect(toMaxAgeMs(undefined)).toBeUndefined();
    expect(toMaxAgeMs(durationFromMs(0))).toBeUndefined();
    expect(toMaxAgeMs(create(DurationSchema, { seconds: 1n, nanos: 500_001 }))).toBe(1_001);
  });
});
