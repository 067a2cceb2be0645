import { rm } from "node:fs/promises";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import {
  type CertFiles,
  generateTestCerts,
  mtlsServerEnv,
  type TestCerts,
} from "../support/certs.js";
import { credentialHeaders, type TestCredentials, withHeaders } from "../support/credentials.js";
import { rejection } from "../support/errors.js";
import { createGrpcJsTransport } from "../support/grpc-js-transport.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createTlsHttpTransport, grpcJsTlsCredentials } from "../support/tls-clients.js";

let certs: TestCerts;
let server: TestServer;
const closers: (() => void)[] = [];

beforeAll(async () => {
  certs = await generateTestCerts();
  server = await startTestServer(
    {
      ...mtlsServerEnv(certs),
    },
    { ca: certs.ca.cert, identity: certs.spiffeClient },
  );
});

afterAll(async () => {
  for (const close of closers) close();
  await server?.close();
  if (certs) await rm(certs.dir, { recursive: true, force: true });
});

/** A grpc-js client on the gRPC port presenting `identity` (or no certificate). */
function grpcPort(identity: CertFiles | undefined): Transport {
  const transport = createGrpcJsTransport(
    `127.0.0.1:${server.ports.grpcPort}`,
    grpcJsTlsCredentials({ ca: certs.ca.cert, ...(identity ? { identity } : {}) }),
    { "grpc.ssl_target_name_override": "localhost" },
  );
  closers.push(() => transport.close());
  return transport;
}

/** A Connect client on the HTTP port presenting `identity` and `credentials`. */
function httpPort(identity: CertFiles | undefined, credentials: TestCredentials): Transport {
  const transport = createTlsHttpTransport(
    "connect",
    `https://127.0.0.1:${server.ports.httpPort}`,
    { ca: certs.ca.cert, ...(identity ? { identity } : {}) },
  );
  return withHeaders(transport, credentialHeaders(credentials));
}

const vectors = (transport: Transport) => createClient(VectorsService, transport);

describe("mutual TLS", () => {
  it("maps a client certificate's SPIFFE id to its tenant and scopes on the gRPC port", async () => {
    const client = vectors(grpcPort(certs.spiffeClient));
    await expect(
      client.createCollection({ name: "mtls-docs", dimension: 3, distance: Distance.COSINE }),
    ).resolves.toBeDefined();
    const denied = await rejection(client.listCollections({}));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.message).toContain("vectors:read");
  });

  it("maps a certificate without a SPIFFE id by its CN", async () => {
    const listed = await vectors(grpcPort(certs.cnClient)).listCollections({});
    expect(listed.collections.map((collection) => collection.name)).toContain("mtls-docs");
  });

  it("refuses the gRPC port to a client without a certificate or with another CA's", async () => {
    for (const identity of [undefined, certs.otherCaClient]) {
      const error = await rejection(vectors(grpcPort(identity)).listCollections({}));
      expect(error.code).toBe(Code.Unavailable);
    }
  });

  it("refuses a certificate of the right CA that the mapping does not name", async () => {
    const error = await rejection(vectors(grpcPort(certs.unmappedClient)).listCollections({}));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.message).toContain("not mapped");
  });

  it("lets browsers use the HTTP port without a certificate, with a key", async () => {
    const anonymous = await rejection(
      vectors(httpPort(undefined, "anonymous")).listCollections({}),
    );
    expect(anonymous.code).toBe(Code.Unauthenticated);
    const withKey = httpPort(undefined, { apiKey: server.adminKey });
    await expect(vectors(withKey).listCollections({})).resolves.toBeDefined();
  });

  it("does not take another CA's certificate as an identity on the HTTP port", async () => {
    const error = await rejection(
      vectors(httpPort(certs.otherCaClient, "anonymous")).listCollections({}),
    );
    expect(error.code).toBe(Code.Unauthenticated);
    const mapped = vectors(httpPort(certs.cnClient, "anonymous"));
    await expect(mapped.listCollections({})).resolves.toBeDefined();
  });
});
