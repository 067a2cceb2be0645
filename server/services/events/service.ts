import type { Tracer } from "@opentelemetry/api";
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
import type { Subscriptions } from "./subscriptions.js";
import { startDeliverySpan, withTraceContext } from "./trace-context.js";

/** Topics per ListTopics page when the request leaves `page_size` at 0. */
export const defaultTopicPageSize = 100;

/** What the events service reports beyond its answers; all optional. */
export interface EventsServiceOptions {
  /**
   * Traces the event log: Publish writes each event's trace context into its headers,
   * Subscribe makes a span per delivered event linked to its producer.
   */
  readonly tracer?: Tracer;
  /** `messaging.system` of delivery spans: `kafka`, or `ragplane` for the embedded log. */
  readonly messagingSystem?: string;
  /** Where open Subscribe streams report their position (consumer lag). */
  readonly subscriptions?: Subscriptions;
}

/**
 * The EventsService implementation: converts messages to the `EventLog` port's types and
 * back, scoping every call to the caller's tenant. Requests have passed
 * `eventsValidators`; the port's domain errors propagate to the error-mapping interceptor.
 *
 * Subscribe streams until the call's signal aborts: a client cancel ends the stream
 * quietly; a deadline ends it with the port's `EngineTimeoutError` (DEADLINE_EXCEEDED); a
 * server shutdown (signal aborted with `EngineUnavailableError`) ends it with UNAVAILABLE.
 */
export function createEventsService(
  log: EventLog,
  options: EventsServiceOptions = {},
): ServiceHandlers<typeof EventsService.method> {
  const { tracer, subscriptions } = options;
  const system = options.messagingSystem ?? "ragplane";
  const toEvent =
    tracer === undefined
      ? toNewEvent
      : (event: Parameters<typeof toNewEvent>[0]) => withTraceContext(toNewEvent(event));
  return {
    async publish(request, { tenant, signal }) {
      const acks = await log.append(tenant, request.topic, request.events.map(toEvent), signal);
      return { acks: acks.map(toAckInit) };
    },

    async *subscribe(request, { tenant, signal }) {
      const position = subscriptions?.track(tenant, request.topic);
      try {
        for await (const event of log.read(tenant, request.topic, toReadOptions(request), signal)) {
          position?.delivered(event.partition, event.offset);
          const span = tracer && startDeliverySpan(tracer, system, request.topic, event);
          try {
            yield { event: toEventInit(event), partition: event.partition, offset: event.offset };
          } finally {
            span?.end();
          }
        }
      } catch (error) {
        rethrowUnlessCancelled(error, signal);
      } finally {
        position?.close();
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
