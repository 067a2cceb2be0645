import { randomUUID } from "node:crypto";
import type { EventLog } from "../../../clients/events/port.js";
import type { GraphStore } from "../../../clients/graphs/port.js";
import type { VectorStore } from "../../../clients/vectors/port.js";
import type { IngestionService } from "../../../gen/ragplane/v1/ingestion_pb.js";
import { IngestionNotFoundError } from "../../ingestion/errors.js";
import { progressOf } from "../../ingestion/progress.js";
import { rebuildCollection } from "../../ingestion/rebuild.js";
import { defaultDeadLetterTopic, type IngestionSettings } from "../../ingestion/settings.js";
import type { IngestionSettingsStore } from "../../ingestion/settings-store.js";
import { decodePageToken, encodePageToken } from "../events/page-token.js";
import type { ServiceHandlers } from "../handlers.js";
import { toIngestionInit } from "./convert.js";

/** Ingestions per ListIngestions page when `page_size` is 0. */
export const defaultIngestionPageSize = 100;

/** What the ingestion service reads and writes. */
export interface IngestionStores {
  readonly events: EventLog;
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
  /** Every tenant's ingestion settings, shared by the replicas. */
  readonly settings: IngestionSettingsStore;
}

/**
 * The IngestionService implementation. Settings are stored in the shared settings log
 * (any replica may serve any call); progress is read from the log, so every replica
 * answers the same. Requests have passed `ingestionValidators`.
 */
export function createIngestionService(
  stores: IngestionStores,
): ServiceHandlers<typeof IngestionService.method> {
  const { events, vectors, settings } = stores;
  const withProgress = async (found: IngestionSettings, signal: AbortSignal) =>
    toIngestionInit(found, await progressOf(events, found, signal));

  return {
    async putIngestion(request, { tenant, signal }) {
      await settings.ready(signal);
      await events.getTopic(tenant, request.topic, signal);
      if (request.collection !== "") {
        await vectors.getCollection(tenant, request.collection, signal);
      }
      const existing = settings.get(tenant, request.topic);
      const stored = await settings.put(
        {
          tenant,
          topic: request.topic,
          collection: request.collection,
          graph: request.graph,
          deadLetterTopic: request.deadLetterTopic || defaultDeadLetterTopic(request.topic),
          generation: existing?.generation ?? randomUUID().replaceAll("-", "").slice(0, 16),
        },
        signal,
      );
      return { ingestion: await withProgress(stored, signal) };
    },

    async getIngestion(request, { tenant, signal }) {
      await settings.ready(signal);
      const found = settings.get(tenant, request.topic);
      if (found === undefined) throw new IngestionNotFoundError(request.topic);
      return { ingestion: await withProgress(found, signal) };
    },

    async listIngestions(request, { tenant, signal }) {
      await settings.ready(signal);
      const token = decodePageToken(request.pageToken);
      const after = token.kind === "valid" ? token.after : undefined;
      const limit = request.pageSize || defaultIngestionPageSize;
      const page = settings.page(tenant, limit, after);
      const ingestions = await Promise.all(page.items.map((item) => withProgress(item, signal)));
      return {
        ingestions,
        nextPageToken: page.nextAfter === undefined ? "" : encodePageToken(page.nextAfter),
      };
    },

    async deleteIngestion(request, { tenant, signal }) {
      await settings.ready(signal);
      const deleted = await settings.delete(tenant, request.topic, signal);
      if (!deleted && !request.allowMissing) throw new IngestionNotFoundError(request.topic);
      return { deleted };
    },

    rebuildCollection(request, { tenant, signal }) {
      return rebuildCollection(stores, tenant, request, signal);
    },
  };
}
