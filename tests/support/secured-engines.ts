import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import type { KafkaSaslOptions } from "../../clients/events/kafka/options.js";
import type { EngineTlsOptions } from "../../clients/tls.js";

/** The throwaway CA and client certificate of the secured links (`SECURE_ENGINES_*`). */
export interface SecuredLinkFiles {
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** The CA alone: TLS that verifies the engine, no client certificate. */
  readonly tls: EngineTlsOptions;
  /** The CA and the client certificate: mutual TLS. */
  readonly mutualTls: EngineTlsOptions;
}

/** Kafka's secured listeners, as `scripts/engines/start.sh kafka` opens them. */
export interface SecuredKafka extends SecuredLinkFiles {
  /** `SECURE_KAFKA_BROKERS`: the SASL_SSL listener (SCRAM-SHA-512). */
  readonly brokers: readonly string[];
  /** `SECURE_KAFKA_MTLS_BROKERS`: the SSL listener that requires a client certificate. */
  readonly mtlsBrokers: readonly string[];
  /** The SCRAM user's credentials. */
  readonly sasl: KafkaSaslOptions;
}

/** Redis's TLS port, as `scripts/engines/start.sh redis` opens it. */
export interface SecuredRedis extends SecuredLinkFiles {
  /** `SECURE_REDIS_URL`: `rediss://` with the ACL user, no password. */
  readonly url: string;
  /** `SECURE_REDIS_PASSWORD`: the ACL user's password. */
  readonly password: string;
}

function linkFiles(): SecuredLinkFiles | undefined {
  const caFile = process.env.SECURE_ENGINES_CA_FILE;
  const clientCertFile = process.env.SECURE_ENGINES_CLIENT_CERT_FILE;
  const clientKeyFile = process.env.SECURE_ENGINES_CLIENT_KEY_FILE;
  if (!caFile || !clientCertFile || !clientKeyFile) return undefined;
  const ca = readFileSync(caFile, "utf8");
  const cert = readFileSync(clientCertFile, "utf8");
  const key = readFileSync(clientKeyFile, "utf8");
  return { caFile, clientCertFile, clientKeyFile, tls: { ca }, mutualTls: { ca, cert, key } };
}

const list = (value: string): string[] =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");

/** Kafka's secured listeners from the environment; undefined when they are not set. */
export function securedKafka(): SecuredKafka | undefined {
  const { SECURE_KAFKA_BROKERS, SECURE_KAFKA_MTLS_BROKERS } = process.env;
  const { SECURE_KAFKA_SASL_USERNAME: username, SECURE_KAFKA_SASL_PASSWORD: password } =
    process.env;
  const files = linkFiles();
  if (!SECURE_KAFKA_BROKERS || !SECURE_KAFKA_MTLS_BROKERS || !username || !password || !files)
    return undefined;
  return {
    ...files,
    brokers: list(SECURE_KAFKA_BROKERS),
    mtlsBrokers: list(SECURE_KAFKA_MTLS_BROKERS),
    sasl: { mechanism: "scram-sha-512", username, password },
  };
}

/** Redis's TLS port from the environment; undefined when it is not set. */
export function securedRedis(): SecuredRedis | undefined {
  const { SECURE_REDIS_URL: url, SECURE_REDIS_PASSWORD: password } = process.env;
  const files = linkFiles();
  if (!url || !password || !files) return undefined;
  return { ...files, url, password };
}

/**
 * Registers a skipped suite named `subject` that says how to get the secured links, for a
 * backend test file whose engine's `SECURE_*` variables are unset.
 */
export function describeSkippedWithoutSecuredLinks(subject: string, engines: string): void {
  describe.skip(`${subject} — skipped: needs the secured links of scripts/engines/start.sh ${engines} (SECURE_* in its env file)`, () => {
    it("runs against real engines only", () => {});
  });
}
