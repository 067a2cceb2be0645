import {
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
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
 * Starts the CONSUMER span of one event delivered by Subscribe. When the event carries a
 * `traceparent` (written by Publish, or by the Kafka producer's instrumentation), the
 * span is that producer span's child, so one trace leads from the Publish through the
 * log to every delivery, and it links to the Subscribe call's span; otherwise it is the
 * Subscribe span's child.
 */
export function startDeliverySpan(
  tracer: Tracer,
  system: string,
  topic: string,
  event: StoredEvent,
): Span {
  const subscriber = context.active();
  const producer = propagation.extract(ROOT_CONTEXT, event.headers);
  const fromProducer = trace.getSpanContext(producer) !== undefined;
  const subscribeSpan = trace.getSpanContext(subscriber);
  const links: Link[] =
    fromProducer && subscribeSpan !== undefined ? [{ context: subscribeSpan }] : [];
  return tracer.startSpan(
    `process ${topic}`,
    {
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
    },
    fromProducer ? producer : subscriber,
  );
}
