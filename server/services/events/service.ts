import { CancelledError, EngineUnavailableError } from "../../../clients/errors.js";
import type { EventLog } from "../../../clients/events/port.js";
import type { EventsService } from "../../../gen/ragplane/v1/events_pb.js";
import type { ServiceHandlers } from "../handlers.js";
import {
  toAckInit,
  toEventInit,
  toNewEvent,
  toReadOptions,
  toRetentionMs,
  toTopicInit,
} from "./convert.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** Topics per ListTopics page when the request leaves `page_size` at 0. */
export const defaultTopicPageSize = 100;

/**
 * The EventsService implementation: converts messages to the `EventLog` port's types and
 * back, scoping every call to the caller's tenant. Requests have passed
 * `eventsValidators`; the port's domain errors propagate to the error-mapping interceptor.
 *
 * Subscribe streams until the call's signal aborts: a client cancel ends the stream
 * quietly; a deadline ends it with the port's `EngineTimeoutError` (DEADLINE_EXCEEDED); a
 * server shutdown (signal aborted with `EngineUnavailableError`) ends it with UNAVAILABLE.
 */
export function createEventsService(log: EventLog): ServiceHandlers<typeof EventsService.method> {
  return {
    async publish(request, { tenant, signal }) {
      const acks = await log.append(tenant, request.topic, request.events.map(toNewEvent), signal);
      return { acks: acks.map(toAckInit) };
    },

    async *subscribe(request, { tenant, signal }) {
      try {
        for await (const event of log.read(tenant, request.topic, toReadOptions(request), signal)) {
          yield { event: toEventInit(event), partition: event.partition, offset: event.offset };
        }
      } catch (error) {
        rethrowUnlessCancelled(error, signal);
      }
    },

    async listTopics(request, { tenant, signal }) {
      const token = decodePageToken(request.pageToken);
      if (token.kind === "invalid") throw new RangeError("page_token was not validated");
      const limit = request.pageSize === 0 ? defaultTopicPageSize : request.pageSize;
      const page = await log.listTopics(
        tenant,
        token.after === undefined ? { limit } : { limit, after: token.after },
        signal,
      );
      return {
        topics: page.topics.map(toTopicInit),
        nextPageToken: page.nextAfter === undefined ? "" : encodePageToken(page.nextAfter),
      };
    },

    async createTopic(request, { tenant, signal }) {
      const topic = await log.createTopic(
        tenant,
        {
          name: request.name,
          partitions: request.partitions === 0 ? 1 : request.partitions,
          retentionMs: toRetentionMs(request.retention),
        },
        signal,
      );
      return { topic: toTopicInit(topic) };
    },
  };
}

function rethrowUnlessCancelled(error: unknown, signal: AbortSignal): void {
  if (!(error instanceof CancelledError) || !signal.aborted) throw error;
  if (signal.reason instanceof EngineUnavailableError) throw signal.reason;
}
