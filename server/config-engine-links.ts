import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { type KafkaSaslOptions, kafkaSaslMechanisms } from "../clients/events/kafka/options.js";
import type { EngineTlsOptions } from "../clients/tls.js";
import type { EnvReader } from "./env-reader.js";

/** How ragplane secures its link to Kafka. */
export interface KafkaLink {
  /**
   * `KAFKA_TLS=true`: TLS to every broker, verified against `KAFKA_TLS_CA_FILE` (default:
   * Node's CAs), presenting `KAFKA_TLS_CERT_FILE` / `KAFKA_TLS_KEY_FILE` when set (mutual
   * TLS). Default: plaintext.
   */
  readonly tls?: EngineTlsOptions;
  /**
   * `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD`, with `KAFKA_SASL_MECHANISM`
   * (`scram-sha-512` by default, `scram-sha-256` or `plain`). Default: no SASL.
   */
  readonly sasl?: KafkaSaslOptions;
}

/** How ragplane secures its link to Redis, beyond what `REDIS_URL` says. */
export interface RedisLink {
  /** `REDIS_PASSWORD`: the password when `REDIS_URL` holds none. */
  readonly password?: string;
  /**
   * `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE` and `REDIS_TLS_KEY_FILE`, for a `rediss://`
   * URL. Default: Node's CAs and no client certificate.
   */
  readonly tls?: EngineTlsOptions;
}

/** How ragplane secures its link to Neo4j, beyond what `NEO4J_URL`'s scheme says. */
export interface Neo4jLink {
  /**
   * `NEO4J_TLS_CA_FILE`, with a `bolt://` or `neo4j://` URL: the link is encrypted and the
   * server verified against this CA alone. Default: the scheme decides.
   */
  readonly trustedCertificates?: readonly string[];
}

interface TlsFileVariables {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Reads `KAFKA_TLS`, its files and the `KAFKA_SASL_*` settings. */
export function readKafkaLink(read: EnvReader): KafkaLink {
  const enabled = read.boolean("KAFKA_TLS", false);
  const files = readTlsFiles(read, {
    ca: "KAFKA_TLS_CA_FILE",
    cert: "KAFKA_TLS_CERT_FILE",
    key: "KAFKA_TLS_KEY_FILE",
  });
  if (!enabled && files.named.length > 0) {
    read.problem(`${listed(files.named)} KAFKA_TLS=true`);
  }
  const sasl = readKafkaSasl(read);
  return { ...(enabled ? { tls: files.tls } : {}), ...(sasl === undefined ? {} : { sasl }) };
}

/** Reads `REDIS_PASSWORD` and the `REDIS_TLS_*` files that go with `url` (`REDIS_URL`). */
export function readRedisLink(read: EnvReader, url: string): RedisLink {
  const password = read.optional("REDIS_PASSWORD");
  const files = readTlsFiles(read, {
    ca: "REDIS_TLS_CA_FILE",
    cert: "REDIS_TLS_CERT_FILE",
    key: "REDIS_TLS_KEY_FILE",
  });
  const secure = url.startsWith("rediss:");
  if (!secure && files.named.length > 0) {
    read.problem(`${listed(files.named)} a rediss:// REDIS_URL`);
  }
  if (password !== undefined && urlPassword(url) !== "") {
    read.problem("REDIS_URL holds a password and REDIS_PASSWORD is set: set one of them");
  }
  return {
    ...(password === undefined ? {} : { password }),
    ...(secure && files.named.length > 0 ? { tls: files.tls } : {}),
  };
}

/** Reads `NEO4J_TLS_CA_FILE`, which needs `url` (`NEO4J_URL`) to leave trust to it. */
export function readNeo4jLink(read: EnvReader, url: string): Neo4jLink {
  const caFile = read.optional("NEO4J_TLS_CA_FILE");
  if (caFile === undefined) return {};
  if (/^[a-z0-9]+\+/i.test(url)) {
    read.problem(
      "NEO4J_TLS_CA_FILE needs a bolt:// or neo4j:// NEO4J_URL: the +s and +ssc schemes choose their own trust",
    );
  }
  readCertificates(read, "NEO4J_TLS_CA_FILE", caFile);
  return { trustedCertificates: [caFile] };
}

/** The password in a URL, decoded; empty when it has none or does not parse. */
export function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}

/** "A needs" or "A, B need". */
function listed(names: readonly string[]): string {
  return `${names.join(", ")} ${names.length === 1 ? "needs" : "need"}`;
}

function readKafkaSasl(read: EnvReader): KafkaSaslOptions | undefined {
  const username = read.optional("KAFKA_SASL_USERNAME");
  const password = read.optional("KAFKA_SASL_PASSWORD");
  const named = read.optional("KAFKA_SASL_MECHANISM");
  if (username === undefined && password === undefined) {
    if (named !== undefined) {
      read.problem("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD");
    }
    return undefined;
  }
  const value = (named ?? "scram-sha-512").toLowerCase();
  const mechanism = kafkaSaslMechanisms.find((candidate) => candidate === value);
  if (mechanism === undefined) {
    read.problem(
      `KAFKA_SASL_MECHANISM=${JSON.stringify(named)} must be one of ${kafkaSaslMechanisms.join(", ")}`,
    );
  }
  return {
    mechanism: mechanism ?? "scram-sha-512",
    username: read.required("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"),
    password: read.required("KAFKA_SASL_PASSWORD", "KAFKA_SASL_USERNAME"),
  };
}

/**
 * Reads a CA bundle and a client certificate and key, each checked as it is read: a
 * missing or unreadable file, one without what its variable promises, or a key that is
 * not the certificate's, is a problem naming the variable. `named` lists the variables set.
 */
function readTlsFiles(
  read: EnvReader,
  variables: TlsFileVariables,
): { readonly tls: EngineTlsOptions; readonly named: readonly string[] } {
  const caFile = read.optional(variables.ca);
  const certFile = read.optional(variables.cert);
  const keyFile = read.optional(variables.key);
  const named = [
    [variables.ca, caFile],
    [variables.cert, certFile],
    [variables.key, keyFile],
  ].flatMap(([name, file]) => (file === undefined ? [] : [name as string]));
  if ((certFile === undefined) !== (keyFile === undefined)) {
    read.problem(`${variables.cert} and ${variables.key} go together (a client certificate)`);
  }
  const ca = caFile === undefined ? undefined : readCertificates(read, variables.ca, caFile);
  const pair = certFile !== undefined && keyFile !== undefined;
  const cert = pair ? readCertificates(read, variables.cert, certFile) : undefined;
  const key = pair ? readPrivateKey(read, variables.key, keyFile) : undefined;
  const leaf = cert?.certificates[0];
  if (leaf !== undefined && key !== undefined && !leaf.checkPrivateKey(key.key)) {
    read.problem(
      `${variables.key}=${keyFile} is not the key of the first certificate in ${variables.cert}`,
    );
  }
  return {
    tls: {
      ...(ca === undefined ? {} : { ca: ca.text }),
      ...(cert === undefined || key === undefined ? {} : { cert: cert.text, key: key.text }),
    },
    named,
  };
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readCertificates(
  read: EnvReader,
  variable: string,
  file: string,
): { readonly text: string; readonly certificates: X509Certificate[] } | undefined {
  const text = readText(read, variable, file);
  if (text === undefined) return undefined;
  const blocks = text.match(pemCertificate) ?? [];
  try {
    const certificates = blocks.map((block) => new X509Certificate(block));
    if (certificates.length > 0) return { text, certificates };
    read.problem(`${variable}=${file} holds no PEM certificate`);
  } catch {
    read.problem(`${variable}=${file} holds a certificate that does not parse`);
  }
  return undefined;
}

function readPrivateKey(
  read: EnvReader,
  variable: string,
  file: string,
): { readonly text: string; readonly key: KeyObject } | undefined {
  const text = readText(read, variable, file);
  if (text === undefined) return undefined;
  try {
    return { text, key: createPrivateKey(text) };
  } catch {
    read.problem(`${variable}=${file} holds no unencrypted PEM private key`);
    return undefined;
  }
}

function readText(read: EnvReader, variable: string, file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    read.problem(`${variable}=${file} cannot be read (${code})`);
    return undefined;
  }
}
