import { performance } from "node:perf_hooks";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  ComplianceService,
  type Erasure,
  ErasureState,
} from "../../gen/ragplane/v1/compliance_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import { whenAnswering, whenAvailable } from "../engines/servers.js";
import { seededRandom } from "../prng.js";
import type { ComplianceBenchOptions } from "./options.js";

/** How many items of each kind the erased subject holds (and, as many again, a bystander). */
export interface SubjectItems {
  readonly events: number;
  readonly points: number;
  readonly nodes: number;
  readonly relationships: number;
}

/** One step of the erasure as the stream reported it. */
export interface ErasureStep {
  readonly step: string;
  /** From the first message naming the step to the first naming the next. */
  readonly ms: number;
}

/** What one timed erasure found. */
export interface ErasureRun {
  readonly items: SubjectItems;
  /** Writing the subject's and the bystander's items. */
  readonly seedMs: number;
  /** From the EraseSubject call to the stream's last message. */
  readonly totalMs: number;
  /** The total without the `caches` step, which waits out other replicas' key caches. */
  readonly workMs: number;
  readonly steps: readonly ErasureStep[];
  /** The receipt: store / engine / target → count. */
  readonly receipt: readonly { readonly where: string; readonly count: number }[];
  /** The bystander's points left afterwards (all of them, or the run fails). */
  readonly bystanderPoints: number;
}

const topic = "erasure-events";
const collection = "erasure-points";
const dimension = 384;
const subject = "person-0001";
const bystander = "person-0002";

/** Splits `total` items 40 / 30 / 20 / 10 % into events, points, nodes and relationships. */
export function subjectItems(total: number): SubjectItems {
  const events = Math.round(total * 0.4);
  const points = Math.round(total * 0.3);
  const nodes = Math.round(total * 0.2);
  return {
    events,
    points,
    nodes,
    relationships: Math.min(nodes - 1, total - events - points - nodes),
  };
}

/**
 * Seeds a subject with `options.eraseItems` items across events, points, nodes and
 * relationships (and a bystander with as many), erases the subject, and times the
 * erasure step by step; checks the receipt's counts and that the bystander kept all of
 * its points and nodes.
 */
export async function timeErasure(
  address: string,
  headers: Readonly<Record<string, string>>,
  options: ComplianceBenchOptions,
): Promise<ErasureRun> {
  const channel = createGrpcJsTransport(address);
  const transport = withHeaders(channel, headers);
  const items = subjectItems(options.eraseItems);
  try {
    const seedBegan = performance.now();
    await seed(transport, items, options.seed);
    const seedMs = performance.now() - seedBegan;
    const compliance = createClient(ComplianceService, transport);
    const began = performance.now();
    const steps: ErasureStep[] = [];
    let current: { step: string; since: number } | undefined;
    let last: Erasure | undefined;
    for await (const message of compliance.eraseSubject({ subject }, { timeoutMs: 600_000 })) {
      const erasure = message.erasure;
      if (erasure === undefined) continue;
      last = erasure;
      const now = performance.now();
      if (current?.step !== erasure.step) {
        if (current !== undefined) steps.push({ step: current.step, ms: now - current.since });
        current = { step: erasure.step, since: now };
      }
    }
    const totalMs = performance.now() - began;
    if (last?.state !== ErasureState.DONE)
      throw new Error("the erasure stream ended before the job was done");
    const receipt = last.removed.map((r) => ({
      where: `${r.store} / ${r.engine} / ${r.target}`,
      count: Number(r.count),
    }));
    checkReceipt(last, items);
    const caches = steps.find((s) => s.step === "caches")?.ms ?? 0;
    return {
      items,
      seedMs,
      totalMs,
      workMs: totalMs - caches,
      steps,
      receipt,
      bystanderPoints: await checkAfter(transport, items),
    };
  } finally {
    channel.close();
  }
}

async function seed(transport: Transport, items: SubjectItems, seedValue: number): Promise<void> {
  const events = createClient(EventsService, transport);
  const vectors = createClient(VectorsService, transport);
  const graphs = createClient(GraphsService, transport);
  const random = seededRandom(seedValue);
  await whenAvailable(() => events.createTopic({ name: topic, partitions: 4 }));
  await whenAvailable(() =>
    vectors.createCollection({ name: collection, dimension, distance: Distance.COSINE }),
  );
  await whenAnswering(() => graphs.getNode({ id: "absent" }));
  for (const who of [subject, bystander]) {
    for (let start = 0; start < items.events; start += 500) {
      const count = Math.min(500, items.events - start);
      await events.publish({
        topic,
        events: Array.from({ length: count }, (_, i) => ({
          id: `${who}-e${start + i}`,
          subject: who,
          payload: new TextEncoder().encode(`{"note":"event ${start + i} about ${who}"}`),
          contentType: "application/json",
        })),
      });
    }
    for (let start = 0; start < items.points; start += 500) {
      const count = Math.min(500, items.points - start);
      await vectors.upsert({
        collection,
        points: Array.from({ length: count }, (_, i) => ({
          id: `${who}-p${start + i}`,
          subject: who,
          vector: Array.from({ length: dimension }, () => random() * 2 - 1),
          payload: { text: `chunk ${start + i} about ${who}` },
        })),
      });
    }
    for (let start = 0; start < items.nodes; start += 500) {
      const count = Math.min(500, items.nodes - start);
      await graphs.upsertNodes({
        nodes: Array.from({ length: count }, (_, i) => ({
          id: `${who}-n${start + i}`,
          labels: ["Fact"],
          subject: who,
          properties: { index: { kind: { case: "numberValue", value: start + i } } },
        })),
      });
    }
    for (let start = 0; start < items.relationships; start += 500) {
      const count = Math.min(500, items.relationships - start);
      await graphs.upsertRelationships({
        relationships: Array.from({ length: count }, (_, i) => ({
          fromId: `${who}-n${start + i}`,
          toId: `${who}-n${start + i + 1}`,
          type: "NEXT",
          subject: who,
        })),
      });
    }
  }
}

function checkReceipt(erasure: Erasure, items: SubjectItems): void {
  const total = (store: string, target?: string): number =>
    erasure.removed
      .filter((r) => r.store === store && (target === undefined || r.target === target))
      .reduce((sum, r) => sum + Number(r.count), 0);
  const found = {
    points: total("vectors"),
    nodes: total("graphs", "nodes"),
    relationships: total("graphs", "relationships"),
    keys: total("events"),
  };
  if (
    found.points !== items.points ||
    found.nodes !== items.nodes ||
    found.relationships !== items.relationships ||
    found.keys !== 1
  ) {
    throw new Error(`the receipt counts ${JSON.stringify(found)} for ${JSON.stringify(items)}`);
  }
}

async function checkAfter(transport: Transport, items: SubjectItems): Promise<number> {
  const vectors = createClient(VectorsService, transport);
  const graphs = createClient(GraphsService, transport);
  const points = Number((await vectors.count({ collection })).count);
  const erased = await graphs.getNode({ id: `${subject}-n0` }).then(
    () => false,
    (error: unknown) => error instanceof ConnectError && error.code === Code.NotFound,
  );
  const { node } = await graphs.getNode({ id: `${bystander}-n0` });
  const replay = await firstEvents(transport, 50);
  const wrong = replay.filter((e) => e.erased !== e.id.startsWith(`${subject}-`));
  if (wrong.length > 0 || replay.length === 0) {
    throw new Error(
      `after the erasure, ${wrong.length} of ${replay.length} replayed events are wrongly (not) tombstones`,
    );
  }
  if (!erased || node?.subject !== bystander || points !== items.points) {
    throw new Error(
      `after the erasure: subject node gone ${erased}, bystander node ${node?.id}, ${points} of ${items.points} bystander points`,
    );
  }
  return points;
}

async function firstEvents(
  transport: Transport,
  count: number,
): Promise<{ readonly id: string; readonly erased: boolean }[]> {
  const events = createClient(EventsService, transport);
  const found: { id: string; erased: boolean }[] = [];
  const abort = new AbortController();
  try {
    for await (const message of events.subscribe(
      { topic, start: { case: "startOffset", value: 0n } },
      { signal: abort.signal, timeoutMs: 30_000 },
    )) {
      const event = message.event;
      if (event !== undefined) found.push({ id: event.id, erased: event.erased });
      if (found.length >= count) break;
    }
  } finally {
    abort.abort();
  }
  return found;
}
