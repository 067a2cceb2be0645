import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../security/audit/codec.js";
import {
  AuditChain,
  auditEntryHash,
  canonicalAuditEncoding,
} from "../../security/audit/hash-chain.js";
import type { AuditEvent } from "../../security/audit/port.js";
import { AuditTrailVerifier, type AuditVerification } from "../../security/audit/verify.js";

function event(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: 1_800_000_000_000 + n,
    type: "data.write",
    tenant: "acme",
    principal: "key:0123456789abcdef",
    method: "ragplane.v1.VectorsService/Upsert",
    peer: "127.0.0.1:5000",
    requestId: `r${n}`,
    reason: "",
    details: { target: "docs", items: String(n), outcome: "ok" },
    ...overrides,
  };
}

/** `count` entries of one chain, in order. */
function chainOf(count: number, id: string): AuditEntry[] {
  const chain = new AuditChain(id);
  const events = Array.from({ length: count }, (_, i) => event(i));
  return chain.extend(events).map((link, i) => ({ event: events[i] as AuditEvent, link }));
}

function verify(entries: readonly (AuditEntry | undefined)[], from = 0): AuditVerification {
  const verifier = new AuditTrailVerifier();
  for (const [i, entry] of entries.entries()) verifier.add(String(from + i), entry);
  return verifier.result();
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

describe("audit hash chain", () => {
  it("encodes an entry canonically: details sorted, every field in a fixed order", () => {
    const a = event(1, { details: { b: "2", a: "1" } });
    const b = event(1, { details: { a: "1", b: "2" } });
    expect(canonicalAuditEncoding(a, "c", 1, "")).toBe(canonicalAuditEncoding(b, "c", 1, ""));
    expect(canonicalAuditEncoding(a, "c", 1, "")).toBe(
      '["ragplane.audit.v1","c",1,"",1800000000001,"data.write","acme","key:0123456789abcdef",' +
        '"ragplane.v1.VectorsService/Upsert","127.0.0.1:5000","r1","",[["a","1"],["b","2"]]]',
    );
  });

  it("hashes with SHA-256 over the encoding, so any field, the sequence or the link changes it", () => {
    const base = auditEntryHash(event(1), "c", 1, "");
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEntryHash(event(1, { tenant: "other" }), "c", 1, "")).not.toBe(base);
    expect(auditEntryHash(event(1, { details: { items: "9" } }), "c", 1, "")).not.toBe(base);
    expect(auditEntryHash(event(1), "c", 2, "")).not.toBe(base);
    expect(auditEntryHash(event(1), "c", 1, "x")).not.toBe(base);
    expect(auditEntryHash(event(1), "d", 1, "")).not.toBe(base);
  });

  it("links each entry to the previous one's hash, numbering from 1", () => {
    const entries = chainOf(3, "c");
    expect(entries.map((e) => e.link?.seq)).toEqual([1, 2, 3]);
    expect(at(entries, 0).link?.prev).toBe("");
    expect(at(entries, 1).link?.prev).toBe(at(entries, 0).link?.hash);
    expect(at(entries, 2).link?.prev).toBe(at(entries, 1).link?.hash);
  });

  it("takes a dropped last batch back out, so the next batch continues the stored chain", () => {
    const chain = new AuditChain("c");
    const [first] = chain.extend([event(0)]);
    const dropped = chain.extend([event(1), event(2)]);
    chain.retract(dropped);
    const [next] = chain.extend([event(3)]);
    expect(next?.seq).toBe(2);
    expect(next?.prev).toBe(first?.hash);
  });
});

describe("AuditTrailVerifier", () => {
  it("finds an intact chain intact and reports its last sequence and hash", () => {
    const entries = chainOf(5, "c");
    const result = verify(entries);
    expect(result).toEqual({
      ok: true,
      checked: 5,
      unchained: 0,
      chains: [
        { chain: "c", entries: 5, firstSeq: 1, lastSeq: 5, lastHash: at(entries, 4).link?.hash },
      ],
    });
  });

  it("reports a changed entry at its position", () => {
    const entries = chainOf(5, "c");
    const target = at(entries, 2);
    entries[2] = { ...target, event: { ...target.event, details: { items: "1000" } } };
    const [report] = verify(entries).chains;
    expect(report?.broken).toEqual({
      position: "2",
      seq: 3,
      reason: "entry changed: its hash does not match its contents",
    });
  });

  it("reports a dropped entry as missing sequence numbers where the gap shows", () => {
    const entries = chainOf(5, "c");
    entries.splice(2, 1);
    const result = verify(entries);
    expect(result.ok).toBe(false);
    expect(result.chains[0]?.broken).toEqual({
      position: "2",
      seq: 4,
      reason: "entries missing: sequence 3 to 3 not found",
    });
  });

  it("reports a dropped first entry: a chain must start at 1", () => {
    const entries = chainOf(3, "c").slice(1);
    expect(verify(entries).chains[0]?.broken?.reason).toBe(
      "entries missing: the chain starts at 2, not 1",
    );
  });

  it("accepts chains starting after 1 in a trail whose oldest entries were pruned, and says so", () => {
    const entries = chainOf(6, "c").slice(2);
    const result = verify(entries, 2);
    expect(result).toMatchObject({ ok: true, prunedBefore: "2" });
    expect(result.chains[0]).toMatchObject({ firstSeq: 3, lastSeq: 6, entries: 4 });
    const gap = [...entries.slice(0, 1), ...entries.slice(2)];
    expect(verify(gap, 2).chains[0]?.broken?.reason).toBe(
      "entries missing: sequence 4 to 4 not found",
    );
  });

  it("reports two swapped entries as a reordering", () => {
    const entries = chainOf(5, "c");
    const [third, fourth] = [at(entries, 2), at(entries, 3)];
    entries[2] = fourth;
    entries[3] = third;
    const broken = verify(entries).chains[0]?.broken;
    expect(broken?.position).toBe("2");
    expect(broken?.reason).toMatch(/^entries missing/);
    const reversed = chainOf(3, "c").reverse();
    expect(verify(reversed).chains[0]?.broken?.reason).toMatch(/^entries missing/);
    const repeated = chainOf(3, "c");
    repeated.push(at(repeated, 1));
    expect(verify(repeated).chains[0]?.broken).toEqual({
      position: "3",
      seq: 2,
      reason: "reordered or duplicated: sequence 2 after 3",
    });
  });

  it("reports an inserted entry, whether it takes a free number or forges a link", () => {
    const entries = chainOf(4, "c");
    const forged: AuditEntry = {
      event: event(99),
      link: { chain: "c", seq: 3, prev: at(entries, 1).link?.hash ?? "", hash: "f".repeat(64) },
    };
    const inserted = [...entries.slice(0, 2), forged, ...entries.slice(2)];
    expect(verify(inserted).chains[0]?.broken).toEqual({
      position: "2",
      seq: 3,
      reason: "entry changed: its hash does not match its contents",
    });

    const rehashed: AuditEntry = {
      event: event(99),
      link: {
        chain: "c",
        seq: 3,
        prev: at(entries, 1).link?.hash ?? "",
        hash: auditEntryHash(event(99), "c", 3, at(entries, 1).link?.hash ?? ""),
      },
    };
    const [broken] = verify([...entries.slice(0, 2), rehashed, ...entries.slice(2)]).chains;
    expect(broken?.broken).toEqual({
      position: "3",
      seq: 3,
      reason: "reordered or duplicated: sequence 3 after 3",
    });
  });

  it("checks two interleaved writers' chains each on its own", () => {
    const a = chainOf(4, "a");
    const b = chainOf(3, "b");
    const interleaved = [a[0], b[0], b[1], a[1], a[2], b[2], a[3]];
    const result = verify(interleaved);
    expect(result.ok).toBe(true);
    expect(result.chains.map((c) => [c.chain, c.entries, c.lastSeq])).toEqual([
      ["a", 4, 4],
      ["b", 3, 3],
    ]);

    const tampered = [a[0], b[0], a[1], a[2], b[2], a[3]];
    const after = verify(tampered);
    expect(after.ok).toBe(false);
    expect(after.chains.find((c) => c.chain === "a")?.broken).toBeUndefined();
    expect(after.chains.find((c) => c.chain === "b")?.broken?.position).toBe("4");
  });

  it("counts entries from before chains as unchained, not broken; an unreadable one breaks", () => {
    const legacy: AuditEntry = { event: event(0) };
    const result = verify([legacy, legacy, ...chainOf(2, "c")]);
    expect(result).toMatchObject({ ok: true, checked: 4, unchained: 2 });

    const garbled = verify([legacy, undefined, ...chainOf(2, "c")]);
    expect(garbled.ok).toBe(false);
    expect(garbled.unreadable).toEqual({
      position: "1",
      seq: 0,
      reason: "unreadable entry: not an audit entry",
    });
  });
});
