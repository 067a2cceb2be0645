import { X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Client, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import type { ClientCertificate } from "../../security/authenticators.js";
import { loadConfig } from "../../server/config.js";
import type { MethodEntry } from "../../server/dispatch.js";
import { createConnectHandler } from "../../server/transports/connect.js";
import { nodeRequestKey } from "../../server/transports/connect-call.js";
import { addMethodsToGrpcServer, createGrpcServer } from "../../server/transports/grpc.js";
import { createHttpServer } from "../../server/transports/http.js";
import { grpcServerCredentials, type LoadedTls, loadTls } from "../../server/transports/tls.js";
import {
  type CertFiles,
  generateTestCerts,
  indexerSpiffeId,
  type TestCerts,
} from "../support/certs.js";
import {
  type ClientIdentity,
  createTlsHttpTransport,
  grpcJsTlsCredentials,
  tlsHttpTransportNames,
} from "../support/tls-clients.js";

const method = VectorsService.method.listCollections;

/** What the handler saw of one call. */
interface Seen {
  readonly certificate: ClientCertificate | undefined;
  readonly httpVersion: string | undefined;
}

/** Both transports around one method that records what it saw, on ephemeral ports. */
interface Harness {
  readonly grpcAddress: string;
  readonly baseUrl: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

async function startHarness(tls: LoadedTls | undefined): Promise<Harness> {
  const seen: Seen[] = [];
  const entry: MethodEntry = {
    method,
    invoke: async (call) => {
      seen.push({
        certificate: call.peer.certificate,
        httpVersion: call.values.get(nodeRequestKey)?.httpVersion,
      });
      return { stream: false, message: create(method.output) };
    },
  };
  const grpcServer = createGrpcServer(loadConfig({}).connections);
  addMethodsToGrpcServer(grpcServer, [entry]);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", grpcServerCredentials(tls), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
  const shutdown = new AbortController();
  const http = createHttpServer(
    createConnectHandler({
      entries: [entry],
      fallback: (_request, response) => {
        response.writeHead(404);
        response.end();
      },
      shutdownSignal: shutdown.signal,
    }),
    tls === undefined ? {} : { tls },
  );
  await new Promise<void>((resolve) => http.server.listen(0, "127.0.0.1", resolve));
  const httpPort = (http.server.address() as AddressInfo).port;
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    baseUrl: `${tls === undefined ? "http" : "https"}://127.0.0.1:${httpPort}`,
    seen,
    async close() {
      grpcServer.forceShutdown();
      await http.close(0, () => shutdown.abort());
    },
  };
}

/** One ListCollections call over grpc-js with TLS; resolves with the status code. */
function grpcJsCall(harness: Harness, certs: TestCerts, identity?: ClientIdentity) {
  const client = new Client(
    harness.grpcAddress,
    grpcJsTlsCredentials({ ca: certs.ca.cert, ...(identity ? { identity } : {}) }),
    { "grpc.ssl_target_name_override": "localhost" },
  );
  return new Promise<status>((resolve) => {
    client.makeUnaryRequest(
      `/${VectorsService.typeName}/${method.name}`,
      (message: object) => Buffer.from(toBinary(method.input, create(method.input, message))),
      (bytes: Buffer) => fromBinary(method.output, bytes),
      {},
      { deadline: Date.now() + 5_000 },
      (error: ServiceError | null) => {
        client.close();
        resolve(error === null ? status.OK : error.code);
      },
    );
  });
}

function expectedCertificate(files: CertFiles, commonName: string, uris: string[]) {
  return { uris, commonName, fingerprint256: new X509Certificate(files.cert).fingerprint256 };
}

let certs: TestCerts;
beforeAll(async () => {
  certs = await generateTestCerts();
});
afterAll(() => certs.remove());

describe("with a client CA", () => {
  let harness: Harness;
  beforeAll(async () => {
    const tls = await loadTls({
      certFile: certs.server.certFile,
      keyFile: certs.server.keyFile,
      clientCaFile: certs.ca.certFile,
    });
    harness = await startHarness(tls);
  });
  afterAll(() => harness.close());

  describe("the gRPC port", () => {
    it("fails the handshake (UNAVAILABLE) for a client without a certificate", async () => {
      const before = harness.seen.length;
      expect(await grpcJsCall(harness, certs)).toBe(status.UNAVAILABLE);
      expect(harness.seen).toHaveLength(before);
    });

    it("fails the handshake for a certificate from another CA", async () => {
      const before = harness.seen.length;
      expect(await grpcJsCall(harness, certs, certs.otherCaClient)).toBe(status.UNAVAILABLE);
      expect(harness.seen).toHaveLength(before);
    });

    it("passes the verified SPIFFE certificate to the handler", async () => {
      expect(await grpcJsCall(harness, certs, certs.spiffeClient)).toBe(status.OK);
      expect(harness.seen.at(-1)?.certificate).toEqual(
        expectedCertificate(certs.spiffeClient, "indexer", [indexerSpiffeId]),
      );
    });

    it("passes a CN-only certificate with no URIs", async () => {
      expect(await grpcJsCall(harness, certs, certs.cnClient)).toBe(status.OK);
      expect(harness.seen.at(-1)?.certificate).toEqual(
        expectedCertificate(certs.cnClient, "reporting-job", []),
      );
    });
  });

  describe.each(tlsHttpTransportNames)("the HTTP port over %s", (name) => {
    const call = async (identity?: ClientIdentity) => {
      const transport = createTlsHttpTransport(name, harness.baseUrl, {
        ca: certs.ca.cert,
        ...(identity ? { identity } : {}),
      });
      await createClient(VectorsService, transport).listCollections({});
      return harness.seen.at(-1);
    };
    const httpVersion = name.endsWith("-h2") ? "2.0" : "1.1";

    it("lets a client without a certificate in, with no certificate on the call", async () => {
      expect(await call()).toEqual({ certificate: undefined, httpVersion });
    });

    it("sets the certificate on the call when it verifies", async () => {
      expect(await call(certs.spiffeClient)).toEqual({
        certificate: expectedCertificate(certs.spiffeClient, "indexer", [indexerSpiffeId]),
        httpVersion,
      });
    });

    it("does not count a certificate from another CA as an identity", async () => {
      expect(await call(certs.otherCaClient)).toEqual({ certificate: undefined, httpVersion });
    });
  });

  it("refuses plaintext HTTP on the TLS port", async () => {
    const plaintext = harness.baseUrl.replace("https://", "http://");
    await expect(fetch(`${plaintext}/healthz`)).rejects.toThrow();
  });
});

describe("with TLS and no client CA", () => {
  let harness: Harness;
  beforeAll(async () => {
    const tls = await loadTls({ certFile: certs.server.certFile, keyFile: certs.server.keyFile });
    harness = await startHarness(tls);
  });
  afterAll(() => harness.close());

  it("serves grpc-js without a client certificate and asks for none", async () => {
    expect(await grpcJsCall(harness, certs, certs.spiffeClient)).toBe(status.OK);
    expect(harness.seen.at(-1)?.certificate).toBeUndefined();
  });

  it("serves the HTTP port without a client certificate and asks for none", async () => {
    const transport = createTlsHttpTransport("grpc-h2", harness.baseUrl, {
      ca: certs.ca.cert,
      identity: certs.spiffeClient,
    });
    await createClient(VectorsService, transport).listCollections({});
    expect(harness.seen.at(-1)).toEqual({ certificate: undefined, httpVersion: "2.0" });
  });
});

describe("without TLS", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(undefined);
  });
  afterAll(() => harness.close());

  it("still serves HTTP/1.1 and h2c on the HTTP port, with no certificate on calls", async () => {
    const baseUrl = harness.baseUrl;
    await createClient(
      VectorsService,
      createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    ).listCollections({});
    expect(harness.seen.at(-1)).toEqual({ certificate: undefined, httpVersion: "1.1" });
    await createClient(VectorsService, createGrpcTransport({ baseUrl })).listCollections({});
    expect(harness.seen.at(-1)).toEqual({ certificate: undefined, httpVersion: "2.0" });
  });
});
