import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateMapper, ClientCertificate } from "../../security/authenticators.js";
import { UnauthenticatedError } from "../../security/errors.js";
import { loadCertificateMapper, PrincipalsFileError } from "../../security/mtls/mapper.js";
import { parsePrincipalsFile } from "../../security/mtls/principals-file.js";

const indexer = "spiffe://example.org/ns/prod/sa/indexer";
const principals = {
  principals: [
    { spiffe: indexer, tenant: "acme", scopes: ["vectors:write"] },
    { cn: "reporting-job", tenant: "acme", scopes: ["vectors:read"] },
    { cn: "indexer", tenant: "globex", scopes: ["admin"] },
  ],
};

function certificate(uris: string[], commonName?: string): ClientCertificate {
  return { uris, fingerprint256: "AA:BB", ...(commonName === undefined ? {} : { commonName }) };
}

let dir: string;
let mapper: CertificateMapper;

async function fileWith(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ragplane-mtls-"));
  mapper = await loadCertificateMapper(await fileWith("principals.json", principals));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function unauthenticatedReason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UnauthenticatedError) return error.reason;
    throw error;
  }
  throw new Error("expected UnauthenticatedError");
}

describe("mapping a client certificate", () => {
  it("maps a SPIFFE id to its principal, even when the CN is listed too", () => {
    const principal = mapper.map(certificate(["https://other.example", indexer], "indexer"));
    expect(principal).toMatchObject({ subject: `cert:${indexer}`, tenant: "acme", method: "mtls" });
    expect([...principal.scopes]).toEqual(["vectors:write"]);
  });

  it("falls back to the CN for a certificate without a SPIFFE id", () => {
    const principal = mapper.map(
      certificate(["https://jobs.example.com/reporting"], "reporting-job"),
    );
    expect(principal).toMatchObject({
      subject: "cert:reporting-job",
      tenant: "acme",
      method: "mtls",
    });
    expect([...principal.scopes]).toEqual(["vectors:read"]);
  });

  it("does not fall back to the CN when the SPIFFE id is not listed", () => {
    const unlisted = certificate(["spiffe://example.org/ns/dev/sa/other"], "reporting-job");
    expect(unauthenticatedReason(() => mapper.map(unlisted))).toBe("client certificate not mapped");
  });

  it("refuses a certificate whose CN is not listed, or that has no CN", () => {
    expect(unauthenticatedReason(() => mapper.map(certificate([], "stranger")))).toBe(
      "client certificate not mapped",
    );
    expect(unauthenticatedReason(() => mapper.map(certificate([])))).toBe(
      "client certificate not mapped",
    );
  });
});

describe("validating the principals file", () => {
  const problems = (document: unknown): readonly string[] => {
    const parsed = parsePrincipalsFile(document);
    return parsed.kind === "invalid" ? parsed.problems : [];
  };
  const entry = (fields: Record<string, unknown>) => ({ principals: [fields] });

  it("accepts the documented shape", () => {
    expect(parsePrincipalsFile(principals)).toMatchObject({ kind: "valid" });
  });

  it("names an unknown scope", () => {
    expect(problems(entry({ cn: "a", tenant: "acme", scopes: ["vectors:delete"] }))).toEqual([
      'principals[0].scopes: unknown scope "vectors:delete"',
    ]);
  });

  it("names a bad tenant", () => {
    expect(problems(entry({ cn: "a", tenant: "-acme", scopes: ["admin"] }))).toEqual([
      expect.stringContaining('principals[0].tenant: "-acme" is not a tenant'),
    ]);
    expect(problems(entry({ cn: "a", tenant: "a".repeat(65), scopes: ["admin"] }))).toHaveLength(1);
  });

  it("names a duplicate identity", () => {
    const duplicate = {
      principals: [
        { spiffe: indexer, tenant: "acme", scopes: ["admin"] },
        { spiffe: indexer, tenant: "globex", scopes: ["admin"] },
      ],
    };
    expect(problems(duplicate)).toEqual([`principals[1]: duplicate spiffe "${indexer}"`]);
  });

  it("needs exactly one identity, a SPIFFE id that parses, and no unknown fields", () => {
    expect(problems(entry({ tenant: "acme", scopes: ["admin"] }))).toEqual([
      'principals[0]: needs exactly one of "spiffe" and "cn"',
    ]);
    expect(
      problems(entry({ spiffe: indexer, cn: "a", tenant: "acme", scopes: ["admin"] })),
    ).toEqual(['principals[0]: needs exactly one of "spiffe" and "cn"']);
    expect(
      problems(entry({ spiffe: "spiffe://Example.org/", tenant: "acme", scopes: ["admin"] })),
    ).toHaveLength(1);
    expect(
      problems(entry({ cn: "a", tenant: "acme", scope: ["admin"], scopes: ["admin"] })),
    ).toEqual(['principals[0]: unknown field "scope"']);
  });

  it("refuses an empty file and an entry without scopes", () => {
    expect(problems({ principals: [] })).toEqual(["principals: lists no principal"]);
    expect(problems({})).toEqual(['expected {"principals": [ … ]}']);
    expect(problems(entry({ cn: "a", tenant: "acme", scopes: [] }))).toEqual([
      "principals[0].scopes: expected a non-empty list of scopes",
    ]);
  });

  it("fails loading with every problem and the file's name", async () => {
    const file = await fileWith("bad.json", {
      principals: [
        { cn: "a", tenant: "acme", scopes: ["nope"] },
        { cn: "a", tenant: "acme", scopes: ["admin"] },
      ],
    });
    const error = await loadCertificateMapper(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PrincipalsFileError);
    expect((error as PrincipalsFileError).problems).toEqual([
      'principals[0].scopes: unknown scope "nope"',
      'principals[1]: duplicate cn "a"',
    ]);
    expect((error as Error).message).toContain(file);
  });

  it("fails loading a missing or malformed file, naming it", async () => {
    const missing = join(dir, "missing.json");
    await expect(loadCertificateMapper(missing)).rejects.toThrow(missing);
    const malformed = await fileWith("malformed.json", "{ principals: ");
    await expect(loadCertificateMapper(malformed)).rejects.toThrow(
      /malformed\.json: cannot be read as JSON/,
    );
  });
});
