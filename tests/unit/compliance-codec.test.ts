import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../clients/events/port.js";
import {
  EraseSubjectRequestSchema,
  ListErasuresRequestSchema,
} from "../../gen/ragplane/v1/compliance_pb.js";
import { decodeJob, type ErasureJob, encodeJob } from "../../server/compliance/job.js";
import { subjectDigest } from "../../server/compliance/subject.js";
import {
  decodeErasureToken,
  encodeErasureToken,
} from "../../server/services/compliance/page-token.js";
import { complianceValidators } from "../../server/services/compliance/validate.js";

const job: ErasureJob = {
  id: "0b7d3c3e-5f0e-4d6a-9c51-3f1e2a4b5c6d",
  tenant: "acme",
  subjectDigest: subjectDigest("person-1"),
  sealedSubject: { keyId: "k1", sealed: "AQID" },
  step: "graphs",
  removed: [{ store: "vectors", engine: "qdrant", target: "docs", count: 3 }],
  startTime: 1_700_000_000_000,
  resumed: 1,
  lastError: "neo4j unavailable",
  owner: "replica-1",
  heartbeat: 1_700_000_001_000,
  version: 7,
  collectionsAfter: "docs",
  requester: { principal: "key:k", requestId: "r", peer: "10.0.0.1" },
};

function stored(payload: Uint8Array): StoredEvent {
  return {
    id: "x",
    key: "k",
    payload,
    contentType: "application/json",
    headers: {},
    subject: "",
    time: new Date(),
    partition: 0,
    offset: 0n,
  };
}

const utf8 = new TextEncoder();

describe("erasure job records", () => {
  it("round-trip a job through its event, keyed and identified by job and version, without a subject", () => {
    const event = encodeJob(job);
    expect(event).toMatchObject({ id: `${job.id}.7`, key: job.id });
    expect(event.subject).toBeUndefined();
    expect(decodeJob(stored(event.payload))).toEqual({ kind: "valid", job });
  });

  it("refuses a record that is not JSON, of another version, or with a malformed field", () => {
    expect(decodeJob(stored(utf8.encode("{")))).toMatchObject({ kind: "invalid" });
    expect(decodeJob(stored(utf8.encode(JSON.stringify({ v: 2, job }))))).toMatchObject({
      kind: "invalid",
    });
    for (const broken of [
      { ...job, step: "sideways" },
      { ...job, version: -1 },
      { ...job, removed: [{ store: "vectors" }] },
      { ...job, sealedSubject: { keyId: 1 } },
      { ...job, requester: undefined },
    ]) {
      const payload = utf8.encode(JSON.stringify({ v: 1, job: broken }));
      expect(decodeJob(stored(payload)).kind).toBe("invalid");
    }
  });
});

describe("ListErasures page tokens", () => {
  it("round-trip a position and refuse what was not given out", () => {
    const position = { startTime: job.startTime, id: job.id };
    expect(decodeErasureToken(encodeErasureToken(position))).toEqual({
      kind: "valid",
      after: position,
    });
    expect(decodeErasureToken("")).toEqual({ kind: "valid", after: undefined });
    for (const bad of [
      "garbage!",
      Buffer.from("12.not-an-id").toString("base64url"),
      "x".repeat(300),
    ]) {
      expect(decodeErasureToken(bad)).toEqual({ kind: "invalid" });
    }
  });
});

describe("ComplianceService validators", () => {
  const erase = (subject: string) =>
    complianceValidators.eraseSubject(create(EraseSubjectRequestSchema, { subject }));

  it("accepts a subject of 1 to 256 bytes and refuses others on the subject field", () => {
    expect(erase("a")).toEqual([]);
    expect(erase("é".repeat(128))).toEqual([]);
    for (const bad of ["", "é".repeat(129), "a\u0000b"]) {
      expect(erase(bad).map((violation) => violation.field)).toEqual(["subject"]);
    }
  });

  it("refuses a page size over 1000 and a page token it never gave out", () => {
    const list = (init: { pageSize?: number; pageToken?: string }) =>
      complianceValidators.listErasures(create(ListErasuresRequestSchema, init));
    expect(list({ pageSize: 1001 }).map((v) => v.field)).toEqual(["page_size"]);
    expect(list({ pageToken: "nope!" }).map((v) => v.field)).toEqual(["page_token"]);
    expect(list({ pageSize: 10 })).toEqual([]);
  });
});
