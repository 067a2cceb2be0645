import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";
import {
  isCompatibleQdrant,
  QdrantVersionError,
  qdrantClientVersion,
} from "../../clients/vectors/qdrant/version.js";

describe("Qdrant version compatibility", () => {
  it("follows Qdrant's rule: same major, minor at most one apart", () => {
    expect(isCompatibleQdrant("1.18.3", "1.18.0")).toBe(true);
    expect(isCompatibleQdrant("1.19.0", "1.18.0")).toBe(true);
    expect(isCompatibleQdrant("1.17.2", "1.18.0")).toBe(true);
    expect(isCompatibleQdrant("1.15.5", "1.18.0")).toBe(false);
    expect(isCompatibleQdrant("2.18.0", "1.18.0")).toBe(false);
    expect(isCompatibleQdrant("dev", "1.18.0")).toBe(false);
  });

  it("knows the client it runs with", () => {
    expect(qdrantClientVersion).toMatch(/^1\.\d+\.\d+$/);
  });

  describe("connect", () => {
    let server: Server | undefined;
    afterEach(() => server?.close());

    /** A stand-in Qdrant that answers `GET /` with `version`. */
    async function qdrantAnswering(version: string): Promise<string> {
      server = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ title: "qdrant", version }));
      });
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    it("refuses a server outside the supported range, naming both versions", async () => {
      const url = await qdrantAnswering("1.15.5");
      const connecting = QdrantVectorStore.connect({ url });
      await expect(connecting).rejects.toBeInstanceOf(QdrantVersionError);
      await expect(connecting).rejects.toThrow(
        `Qdrant 1.15.5 is not supported: ragplane's Qdrant client is ${qdrantClientVersion}`,
      );
    });

    it("connects to a supported server", async () => {
      const url = await qdrantAnswering(qdrantClientVersion);
      const store = await QdrantVectorStore.connect({ url });
      await store.close();
    });
  });
});
