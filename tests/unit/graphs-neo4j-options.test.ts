import { describe, expect, it } from "vitest";
import { resolveNeo4jOptions } from "../../clients/graphs/neo4j/options.js";

describe("resolveNeo4jOptions", () => {
  it("applies the documented defaults", () => {
    expect(
      resolveNeo4jOptions({ url: "bolt://127.0.0.1:7687", user: "neo4j", password: "pw" }),
    ).toEqual({
      url: "bolt://127.0.0.1:7687",
      trustedCertificates: [],
      user: "neo4j",
      password: "pw",
      database: "neo4j",
      maxPoolSize: 100,
      connectionTimeoutMs: 5_000,
      connectionAcquisitionTimeoutMs: 10_000,
      transactionTimeoutMs: 30_000,
      maxAttempts: 3,
      healthTimeoutMs: 2_000,
    });
  });

  it("fails fast, naming the option", () => {
    expect(() => resolveNeo4jOptions({ url: "http://localhost:7474" })).toThrow(/url/);
    expect(() => resolveNeo4jOptions({ url: "bolt://h", password: "x" })).toThrow(/without a user/);
    expect(() => resolveNeo4jOptions({ url: "bolt://h", maxPoolSize: 0 })).toThrow(/maxPoolSize/);
    expect(() => resolveNeo4jOptions({ url: "neo4j+s://h", transactionTimeoutMs: 1.5 })).toThrow(
      /transactionTimeoutMs/,
    );
    expect(() => resolveNeo4jOptions({ url: "bolt://h", database: "" })).toThrow(/database/);
  });

  it("takes trusted certificates only with a scheme that leaves trust to the configuration", () => {
    const trustedCertificates = ["/etc/ragplane/neo4j-ca.pem"];
    expect(resolveNeo4jOptions({ url: "neo4j://h", trustedCertificates })).toMatchObject({
      trustedCertificates,
    });
    for (const url of ["bolt+s://h", "neo4j+ssc://h"]) {
      expect(() => resolveNeo4jOptions({ url, trustedCertificates })).toThrow(
        /trustedCertificates need a bolt:\/\/ or neo4j:\/\/ url/,
      );
    }
  });
});
