import {
  context,
  type Link,
  propagation,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { NewEvent, StoredEvent } from "../../../clients/events/port.js";

/**
 * The event with the active span's W3C trace context (`traceparent`, `tracestate`) in
 * its headers, so whoever consumes it can link back to the Publish that wrote it. An
 * event is returned as it is when no span is active.
 */
export function withTraceContext(event: NewEvent): NewEvent {
  const active = context.active();
  if (!trace.getSpanContext(active)) return event;
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  if (carrier.traceparent === undefined) return event;
  const headers: Record<string, string> = { ...event.headers, traceparent: carrier.traceparent };
  if (carrier.tracestate !== undefined) headers.tracestate = carrier.tracestate;
  else delete headers.tracestate;
  return { ...event, headers };
}

/**
 * Starts the CONSUMER span of one event delivered by Subscribe: a child of the
 * Subscribe call's span, linked to the span that published the event (from its
 * `traceparent` header), so one trace leads from a Publish to every delivery.
 */
export function startDeliverySpan(
  tracer: Tracer,
  system: string,
  topic: string,
  event: StoredEvent,
): Span {
  const producer = trace.getSpanContext(propagation.extract(context.active(), event.headers));
  const links: Link[] = producer === undefined ? [] : [{ context: producer }];
  return tracer.startSpan(`process ${topic}`, {
    kind: SpanKind.CONSUMER,
    links,
    attributes: {
      "messaging.system": system,
      "messaging.operation.type": "process",
      "messaging.destination.name": topic,
      "messaging.destination.partition.id": String(event.partition),
      "messaging.message.id": event.id,
      "messaging.kafka.offset": Number(event.offset),
    },
  });
}
