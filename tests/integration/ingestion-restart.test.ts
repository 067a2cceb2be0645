import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { create, toJsonString } from "@bufbuild/protobuf";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewEvent } from "../../clients/events/port.js";
import { ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { loadConfig } from "../../server/config.js";
import { type OpenEngines, openEngines } from "../../server/engines.js";
import { chunkContentTypes } from "../../server/ingestion/chunk.js";
import type { PoisonKind } from "../../server/ingestion/dead-letters.js";
import { progressOf } from "../../server/ingestion/progress.js";
import { Projector } from "../../server/ingestion/projector.js";
import type { IngestionRecorder } from "../../server/ingestion/recorder.js";
import type { IngestionSettings } from "../../server/ingestion/settings.js";
import { IngestionSettingsStore } from "../../server/ingestion/settings-store.js";
import { sampleChunk } from "../support/chunks.js";

const tenant = "acme";
const logger = pino({ level: "silent" });
const utf8 = new TextEncoder();
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-ingestion-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A recorder that counts what the projector reports. */
function counting() {
  const counts = { projected: 0, skipped: 0, deadLettered: 0, failed: 0 };
  const recorder: IngestionRecorder = {
    projected: (count) => {
      counts.projected += count;
    },
    skipped: (count) => {
      counts.skipped += count;
    },
    deadLettered: (_kind: PoisonKind, count) => {
      counts.deadLettered += count;
    },
    batchFailed: () => {
      counts.failed++;
    },
  };
  return { counts, recorder };
}

/** A server's engines, settings and projector on `dataDir`, as a restart would open them. */
async function startReplica() {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", GRPC_PORT: "0" });
  const engines: OpenEngines = await openEngines(config);
  const settings = new IngestionSettingsStore({ events: engines.events, logger });
  await settings.start();
  const { counts, recorder } = counting();
  const projector = new Projector({ stores: engines, settings, logger, recorder });
  await projector.start();
  return {
    engines,
    settings,
    counts,
    async stop() {
      await projector.stop();
      await settings.close();
      await engines.close();
    },
  };
}

function chunks(from: number, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const chunk = create(ChunkSchema, sampleChunk(`doc${n}`, "0", [1, n, 0]));
    return {
      id: `chunk-${n}`,
      payload: utf8.encode(toJsonString(ChunkSchema, chunk)),
      contentType: chunkContentTypes.json,
    };
  });
}

async function waitForNoLag(
  replica: Awaited<ReturnType<typeof startReplica>>,
  settings: IngestionSettings,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await progressOf(replica.engines.events, settings)).lag > 0n) {
    if (Date.now() > deadline) throw new Error("the projector did not catch up");
    await sleep(20);
  }
}

describe("the projector across a restart", () => {
  it("resumes from the committed offsets, projecting only what was published since", async () => {
    const first = await startReplica();
    await first.engines.events.createTopic(tenant, { name: "t", partitions: 2, retentionMs: 0 });
    await first.engines.vectors.createCollection(tenant, {
      name: "c",
      dimension: 3,
      distance: "cosine",
    });
    const settings = await first.settings.put({
      tenant,
      topic: "t",
      collection: "c",
      graph: false,
      deadLetterTopic: "t.dead-letter",
      generation: "first",
    });
    await first.engines.events.append(tenant, "t", chunks(0, 10));
    await waitForNoLag(first, settings);
    expect(first.counts.projected).toBe(10);
    const committed = await first.engines.events.committedOffsets(tenant, "t", "ingestion.first");
    await first.stop();

    const second = await startReplica();
    try {
      expect(second.settings.get(tenant, "t")).toEqual(settings);
      expect(await second.engines.events.committedOffsets(tenant, "t", "ingestion.first")).toEqual(
        committed,
      );
      await second.engines.events.append(tenant, "t", chunks(10, 5));
      await waitForNoLag(second, settings);
      expect(second.counts.projected).toBe(5);
      expect(await second.engines.vectors.count(tenant, "c")).toBe(15);
    } finally {
      await second.stop();
    }
  });
});
