import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { generateTestCerts, type TestCerts } from "../support/certs.js";
import { configProblems } from "../support/config-problems.js";

let certs: TestCerts;
let notPem: string;
beforeAll(async () => {
  certs = await generateTestCerts();
  notPem = join(certs.dir, "not-pem.txt");
  await writeFile(notPem, "hello\n");
});
afterAll(() => certs.remove());

const kafka = { KAFKA_BROKERS: "127.0.0.1:9094" };

describe("the link to Kafka", () => {
  it("is plaintext without SASL unless configured", () => {
    const link = loadConfig(kafka).engines.kafka;
    expect(link?.tls).toBeUndefined();
    expect(link?.sasl).toBeUndefined();
  });

  it("reads TLS with a CA and a client certificate, and SCRAM-SHA-512 by default", () => {
    const link = loadConfig({
      ...kafka,
      KAFKA_TLS: "true",
      KAFKA_TLS_CA_FILE: certs.ca.certFile,
      KAFKA_TLS_CERT_FILE: certs.cnClient.certFile,
      KAFKA_TLS_KEY_FILE: certs.cnClient.keyFile,
      KAFKA_SASL_USERNAME: "ragplane",
      KAFKA_SASL_PASSWORD: "a-long-sasl-password",
    }).engines.kafka;
    expect(link?.tls).toEqual({
      ca: certs.ca.cert.toString("utf8"),
      cert: certs.cnClient.cert.toString("utf8"),
      key: certs.cnClient.key.toString("utf8"),
    });
    expect(link?.sasl).toEqual({
      mechanism: "scram-sha-512",
      username: "ragplane",
      password: "a-long-sasl-password",
    });
  });

  it("takes TLS with Node's CAs alone, and any mechanism's name in either case", () => {
    const sasl = { KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" };
    expect(loadConfig({ ...kafka, KAFKA_TLS: "true" }).engines.kafka?.tls).toEqual({});
    for (const [name, mechanism] of [
      ["SCRAM-SHA-256", "scram-sha-256"],
      ["plain", "plain"],
      ["Scram-Sha-512", "scram-sha-512"],
    ]) {
      const link = loadConfig({ ...kafka, ...sasl, KAFKA_SASL_MECHANISM: name }).engines.kafka;
      expect(link?.sasl?.mechanism).toBe(mechanism);
    }
  });

  it("names each variable whose setting cannot work", () => {
    const missing = join(certs.dir, "missing.pem");
    expect(
      configProblems({
        ...kafka,
        KAFKA_TLS_CA_FILE: missing,
        KAFKA_TLS_CERT_FILE: notPem,
        KAFKA_SASL_PASSWORD: "p",
        KAFKA_SASL_MECHANISM: "gssapi",
      }),
    ).toEqual([
      "KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together (a client certificate)",
      `KAFKA_TLS_CA_FILE=${missing} cannot be read (ENOENT)`,
      "KAFKA_TLS_CA_FILE, KAFKA_TLS_CERT_FILE need KAFKA_TLS=true",
      'KAFKA_SASL_MECHANISM="gssapi" must be one of scram-sha-512, scram-sha-256, plain',
      "KAFKA_SASL_USERNAME is required when KAFKA_SASL_PASSWORD is set",
    ]);
    expect(configProblems({ ...kafka, KAFKA_SASL_MECHANISM: "plain" })).toEqual([
      "KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD",
    ]);
  });

  it("refuses files that do not hold what their variable promises, or a key of another certificate", () => {
    expect(
      configProblems({
        ...kafka,
        KAFKA_TLS: "true",
        KAFKA_TLS_CA_FILE: notPem,
        KAFKA_TLS_CERT_FILE: certs.cnClient.certFile,
        KAFKA_TLS_KEY_FILE: certs.spiffeClient.keyFile,
      }),
    ).toEqual([
      `KAFKA_TLS_CA_FILE=${notPem} holds no PEM certificate`,
      `KAFKA_TLS_KEY_FILE=${certs.spiffeClient.keyFile} is not the key of the first certificate in KAFKA_TLS_CERT_FILE`,
    ]);
    expect(
      configProblems({
        ...kafka,
        KAFKA_TLS: "true",
        KAFKA_TLS_CERT_FILE: certs.cnClient.certFile,
        KAFKA_TLS_KEY_FILE: certs.cnClient.certFile,
      }),
    ).toEqual([
      `KAFKA_TLS_KEY_FILE=${certs.cnClient.certFile} holds no unencrypted PEM private key`,
    ]);
  });
});

describe("the link to Redis", () => {
  it("reads a rediss:// URL's CA, client certificate and a password apart from the URL", () => {
    const link = loadConfig({
      REDIS_URL: "rediss://ragplane@127.0.0.1:6380",
      REDIS_PASSWORD: "a-long-redis-password",
      REDIS_TLS_CA_FILE: certs.ca.certFile,
      REDIS_TLS_CERT_FILE: certs.cnClient.certFile,
      REDIS_TLS_KEY_FILE: certs.cnClient.keyFile,
    }).engines.redis;
    expect(link).toEqual({
      url: "rediss://ragplane@127.0.0.1:6380",
      password: "a-long-redis-password",
      tls: {
        ca: certs.ca.cert.toString("utf8"),
        cert: certs.cnClient.cert.toString("utf8"),
        key: certs.cnClient.key.toString("utf8"),
      },
    });
  });

  it("refuses TLS files without rediss://, and two passwords, without echoing either", () => {
    const problems = configProblems({
      REDIS_URL: "redis://:in-the-url-secret@127.0.0.1:6379",
      REDIS_PASSWORD: "apart-secret",
      REDIS_TLS_CA_FILE: certs.ca.certFile,
    });
    expect(problems).toEqual([
      "REDIS_TLS_CA_FILE needs a rediss:// REDIS_URL",
      "REDIS_URL holds a password and REDIS_PASSWORD is set: set one of them",
    ]);
    expect(problems.join("\n")).not.toMatch(/secret/);
  });
});

describe("the link to Neo4j", () => {
  const neo4j = { NEO4J_PASSWORD: "a-long-neo4j-password" };

  it("trusts NEO4J_TLS_CA_FILE alone with a bolt:// or neo4j:// URL", () => {
    for (const url of ["bolt://db:7687", "neo4j://db:7687"]) {
      const link = loadConfig({ ...neo4j, NEO4J_URL: url, NEO4J_TLS_CA_FILE: certs.ca.certFile })
        .engines.neo4j;
      expect(link?.trustedCertificates).toEqual([certs.ca.certFile]);
    }
  });

  it("refuses NEO4J_TLS_CA_FILE with a +s or +ssc scheme, and a file without a certificate", () => {
    expect(
      configProblems({ ...neo4j, NEO4J_URL: "neo4j+s://db", NEO4J_TLS_CA_FILE: certs.ca.certFile }),
    ).toEqual([
      "NEO4J_TLS_CA_FILE needs a bolt:// or neo4j:// NEO4J_URL: the +s and +ssc schemes choose their own trust",
    ]);
    expect(configProblems({ ...neo4j, NEO4J_URL: "bolt://db", NEO4J_TLS_CA_FILE: notPem })).toEqual(
      [`NEO4J_TLS_CA_FILE=${notPem} holds no PEM certificate`],
    );
  });
});
