import { type Client, createClient } from "@connectrpc/connect";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import type { BenchChild } from "../children.js";
import { whenAvailable } from "../engines/servers.js";
import type { GhzPath } from "../ghz-rounds.js";
import { randomBytes, seededRandom } from "../prng.js";
import type { ComplianceBenchOptions } from "./options.js";

/** The two server configurations compared: encryption at rest on, and off. */
export const encryptionModes = ["encrypted", "plain"] as const;

/** One of {@link encryptionModes}. */
export type EncryptionMode = (typeof encryptionModes)[number];

/** The server environment of a mode. */
export function encryptionEnv(mode: EncryptionMode): Record<string, string> {
  return { ENCRYPTION_AT_REST: mode === "encrypted" ? "true" : "false" };
}

const topic = "bench-events";
const collection = "bench-search";
const sensitiveField = "text";

/**
 * Prepares one server for the Publish and Search paths: a topic, and a collection of
 * `options.search.points` points whose payload holds a text (a sensitive field, so sealed,
 * on the encrypted server) and a number; checks that a point reads back with its text
 * and a Search finds `limit` hits with payloads. Returns the server's two ghz paths.
 */
export async function prepareEncryptionPaths(
  mode: EncryptionMode,
  server: BenchChild,
  options: ComplianceBenchOptions,
): Promise<{ readonly publish: GhzPath; readonly search: GhzPath }> {
  const channel = createGrpcJsTransport(`127.0.0.1:${server.port}`);
  const transport = withHeaders(channel, server.headers);
  const vectors = createClient(VectorsService, transport);
  const events = createClient(EventsService, transport);
  const { search } = options;
  const random = seededRandom(options.seed);
  const vector = (): number[] => Array.from({ length: search.dimension }, () => random() * 2 - 1);
  const text = (): string =>
    Buffer.from(randomBytes(random, search.textBytes))
      .toString("base64")
      .slice(0, search.textBytes);
  try {
    await whenAvailable(() => events.createTopic({ name: topic, partitions: 4 }));
    await vectors.createCollection({
      name: collection,
      dimension: search.dimension,
      distance: Distance.COSINE,
      sensitiveFields: mode === "encrypted" ? [sensitiveField] : [],
    });
    const texts: string[] = [];
    for (let start = 0; start < search.points; start += 500) {
      const points = Array.from({ length: Math.min(500, search.points - start) }, (_, i) => {
        const value = text();
        texts.push(value);
        return {
          id: `p${start + i}`,
          vector: vector(),
          payload: { [sensitiveField]: value, n: start + i },
        };
      });
      await vectors.upsert({ collection, points });
    }
    await checkRoundTrip(vectors, texts[0]!);
    const queries = Array.from({ length: search.queries }, vector);
    const { hits } = await vectors.search({
      collection,
      vector: queries[0]!,
      limit: search.limit,
      withPayload: true,
    });
    if (
      hits.length !== search.limit ||
      hits.some((hit) => hit.payload?.[sensitiveField] === undefined)
    ) {
      throw new Error(`${mode}: a Search found ${hits.length} hits, or hits without their text`);
    }
    const payload = Buffer.from(randomBytes(random, options.publish.payloadBytes)).toString(
      "base64",
    );
    return {
      publish: {
        name: `Publish/${mode}`,
        description: `Publish of ${options.publish.events} new events of ${options.publish.payloadBytes} bytes, no subject`,
        server,
        call: {
          method: `${EventsService.typeName}/${EventsService.method.publish.name}`,
          messages: [
            {
              topic,
              events: Array.from({ length: options.publish.events }, (_, i) => ({
                id: `{{.UUID}}-${i}`,
                payload,
                contentType: "application/octet-stream",
              })),
            },
          ],
        },
      },
      search: {
        name: `Search/${mode}`,
        description: `Search with payloads, ${search.points} × ${search.dimension} dims, limit ${search.limit}${mode === "encrypted" ? `, "${sensitiveField}" sealed` : ""}`,
        server,
        call: {
          method: `${VectorsService.typeName}/${VectorsService.method.search.name}`,
          messages: queries.map((query) => ({
            collection,
            vector: query,
            limit: search.limit,
            withPayload: true,
          })),
        },
      },
    };
  } finally {
    channel.close();
  }
}

async function checkRoundTrip(
  vectors: Client<typeof VectorsService>,
  expected: string,
): Promise<void> {
  const { points } = await vectors.get({ collection, ids: ["p0"] });
  const found = points[0]?.payload?.[sensitiveField];
  if (found !== expected) {
    throw new Error(`point p0 read back ${JSON.stringify(found)}, not its text`);
  }
}
