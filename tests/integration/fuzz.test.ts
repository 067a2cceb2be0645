import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomIndex, seededRandom } from "../../bench/prng.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { ComplianceService } from "../../gen/ragplane/v1/compliance_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { RetrievalService } from "../../gen/ragplane/v1/retrieval_pb.js";
import { Distance, PayloadIndexType, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { mutateBytes } from "../support/fuzz/bytes.js";
import { callRaw, mapConcurrently, type Outcome, shuffle } from "../support/fuzz/calls.js";
import { type Draw, pick } from "../support/fuzz/draw.js";
import { brokenAnswer, type HttpBodyKind, postUnary } from "../support/fuzz/http.js";
import { randomJsonBody } from "../support/fuzz/json.js";
import { randomEncoding } from "../support/fuzz/messages.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** The run's seed: every request derives from it, so `FUZZ_SEED=<seed>` replays a run. */
const seed = Number(process.env.FUZZ_SEED ?? 20_240_611);
const casesPerMethod = 12;
const httpBodies = 50;
const inFlight = 16;
const deadlineMs = 5_000;
const wildnesses = [0.02, 0.1, 0.3, 0.6, 0.9];

const services: readonly DescService[] = [
  AdminService,
  ComplianceService,
  EventsService,
  GraphsService,
  IngestionService,
  RetrievalService,
  VectorsService,
];
const methods = services.flatMap((service) => service.methods);
/** Connect's JSON unary protocol has no streaming form; streams are fuzzed over gRPC only. */
const unaryMethods = methods.filter((method) => method.methodKind === "unary");

/** Names that exist on the server (see `beforeAll`), so that plausible requests go deep. */
const vocabulary = [
  "fuzz",
  "p1",
  "p2",
  "n1",
  "n2",
  "LINKS",
  "Doc",
  "lang",
  "default",
  "vectors:read",
  "admin",
];

/** Rate limits off, so that bursts of fuzz reach validation and the engines, not the limiter. */
const unlimitedRates = Object.fromEntries(
  ["READ", "WRITE", "STREAM"].flatMap((budget) => [
    [`RATE_LIMIT_${budget}_PER_TENANT`, "0"],
    [`RATE_LIMIT_${budget}_PER_PRINCIPAL`, "0"],
  ]),
);

let server: TestServer;
let client: Client;
const grpcAddress = () => `127.0.0.1:${server.ports.grpcPort}`;

beforeAll(async () => {
  server = await startTestServer({ ...unlimitedRates, ENCRYPTION_KEY_CACHE_MS: "0" });
  client = new Client(grpcAddress(), credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
  });
  const transport = server.transport("grpc-js");
  const vectors = createClient(VectorsService, transport);
  await vectors.createCollection({
    name: "fuzz",
    dimension: 4,
    distance: Distance.COSINE,
    payloadIndexes: [{ key: "lang", type: PayloadIndexType.KEYWORD }],
  });
  await vectors.upsert({
    collection: "fuzz",
    points: [
      { id: "p1", vector: [1, 0, 0, 0], payload: { lang: "en", n: 1 } },
      { id: "p2", vector: [0, 1, 0, 0], payload: { lang: "de", n: 2 } },
    ],
  });
  const events = createClient(EventsService, transport);
  await events.createTopic({ name: "fuzz", partitions: 1 });
  await events.publish({ topic: "fuzz", events: [{ id: "e1", payload: new Uint8Array([1]) }] });
  const graphs = createClient(GraphsService, transport);
  await graphs.upsertNodes({
    nodes: [
      { id: "n1", labels: ["Doc"] },
      { id: "n2", labels: ["Doc"] },
    ],
  });
  await graphs.upsertRelationships({
    relationships: [{ id: "r1", fromId: "n1", toId: "n2", type: "LINKS" }],
  });
});

afterAll(async () => {
  client?.close();
  await server?.close();
});

/** One generated request: the RPC and its encoded messages (several for client streams). */
interface FuzzCase {
  readonly method: DescMethod;
  readonly index: number;
  readonly messages: readonly Uint8Array[];
}

/** An answer that breaks the contract, with what is needed to replay it. */
interface Finding {
  readonly rpc: string;
  readonly case: number;
  readonly code: string;
  readonly message: string;
  readonly request: string;
}

/** `casesPerMethod` cases for every RPC, generated up front so that a seed replays them. */
function generateCases(
  runSeed: number,
  encode: (draw: Draw, method: DescMethod) => Uint8Array,
): FuzzCase[] {
  const random = seededRandom(runSeed);
  const cases = methods.flatMap((method) =>
    Array.from({ length: casesPerMethod }, (_, index) => {
      const draw = { random, vocabulary, wildness: pick(random, wildnesses) };
      const count = method.methodKind === "client_streaming" ? 1 + randomIndex(random, 3) : 1;
      const messages = Array.from({ length: count }, () => encode(draw, method));
      return { method, index, messages };
    }),
  );
  return shuffle(random, cases);
}

function authorized(): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${server.adminKey}`);
  return metadata;
}

const rpcName = (method: DescMethod) => `${method.parent.name}/${method.name}`;

/** Why an answer breaks the contract, or undefined when it is a deliberate status. */
function violation(outcome: Outcome): string | undefined {
  if (outcome.code === Code.Internal) return "INTERNAL";
  if (outcome.code === Code.Unknown) return "UNKNOWN";
  if (outcome.code === Code.DeadlineExceeded) return `no answer within ${deadlineMs} ms`;
  if (outcome.message.includes("    at ")) return "stack trace in the message";
  return undefined;
}

/** Sends every case and returns the status codes seen and the contract breaches. */
async function sendAll(
  cases: readonly FuzzCase[],
): Promise<{ codes: Set<number>; findings: Finding[] }> {
  const outcomes = await mapConcurrently(cases, inFlight, (fuzzCase) =>
    callRaw(client, fuzzCase.method, fuzzCase.messages, authorized(), {
      deadlineMs,
      openMs: 100,
    }),
  );
  const findings: Finding[] = [];
  outcomes.forEach((outcome, i) => {
    const fuzzCase = cases[i];
    const broken = violation(outcome);
    if (fuzzCase === undefined || broken === undefined) return;
    findings.push({
      rpc: rpcName(fuzzCase.method),
      case: fuzzCase.index,
      code: `${outcome.code} (${broken})`,
      message: outcome.message,
      request: fuzzCase.messages.map(describeBytes).join(", "),
    });
  });
  return { codes: new Set(outcomes.map((outcome) => outcome.code)), findings };
}

/** A message's size and the start of its base64, enough to recognise it in a replay. */
function describeBytes(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString("base64");
  return `${bytes.length} bytes: ${base64.length > 120 ? `${base64.slice(0, 120)}…` : base64}`;
}

const replayHint = `seed ${seed}; replay with FUZZ_SEED=${seed}`;

describe("fuzzed requests never yield INTERNAL, UNKNOWN, a stack trace or a crash", () => {
  it("answers byte-mutated encodings on every RPC with a deliberate status", async () => {
    const cases = generateCases(seed, (draw, method) =>
      mutateBytes(
        draw.random,
        randomEncoding({ ...draw, wildness: 0.02 }, method.input),
        method.input,
      ),
    );
    const { codes, findings } = await sendAll(cases);
    expect(findings, replayHint).toEqual([]);
    expect(codes).toContain(Code.InvalidArgument);
  });

  it("answers structurally random messages on every RPC with a deliberate status", async () => {
    const cases = generateCases(seed + 1, (draw, method) => randomEncoding(draw, method.input));
    const { codes, findings } = await sendAll(cases);
    expect(findings, replayHint).toEqual([]);
    expect(codes).toContain(0);
    expect(codes).toContain(Code.InvalidArgument);
  });

  it("answers random Connect JSON bodies without internal, unknown or HTTP 500", async () => {
    const random = seededRandom(seed + 2);
    const bodies = Array.from({ length: httpBodies }, (_, index) => {
      const method = unaryMethods[index % unaryMethods.length] as DescMethod;
      const draw = { random, vocabulary, wildness: pick(random, wildnesses) };
      return { method, index, body: randomJsonBody(draw, method.input) };
    });
    const { statuses, findings } = await postAll("connect-json", bodies);
    expect(findings, replayHint).toEqual([]);
    expect(statuses).toContain(400);
  });

  it.each(["connect-proto", "grpc-web"] as const)(
    "answers byte-mutated %s bodies without internal, unknown or HTTP 500",
    async (kind) => {
      const random = seededRandom(seed + 3);
      const bodies = Array.from({ length: httpBodies }, (_, index) => {
        const method = unaryMethods[index % unaryMethods.length] as DescMethod;
        const draw = { random, vocabulary, wildness: 0.02 };
        const body = mutateBytes(random, randomEncoding(draw, method.input), method.input);
        return { method, index, body };
      });
      const { findings } = await postAll(kind, bodies);
      expect(findings, replayHint).toEqual([]);
    },
  );

  it("still serves a valid ListCollections and answers /healthz afterwards", async () => {
    const fresh = new Client(grpcAddress(), credentials.createInsecure());
    try {
      const listed = await callRaw(
        fresh,
        VectorsService.method.listCollections,
        [new Uint8Array()],
        authorized(),
        { deadlineMs, openMs: 0 },
      );
      expect(listed).toEqual({ code: 0, message: "" });
    } finally {
      fresh.close();
    }
    const health = await fetch(`http://127.0.0.1:${server.ports.httpPort}/healthz`);
    expect(health.status).toBe(200);
  });
});

/** Sends every body to the HTTP port; returns the HTTP statuses and the broken answers. */
async function postAll(
  kind: HttpBodyKind,
  bodies: readonly { method: DescMethod; index: number; body: string | Uint8Array }[],
): Promise<{ statuses: number[]; findings: Finding[] }> {
  const target = {
    baseUrl: `http://127.0.0.1:${server.ports.httpPort}`,
    apiKey: server.adminKey,
    deadlineMs,
  };
  const answers = await mapConcurrently(bodies, inFlight, ({ method, body }) =>
    postUnary(target, method, kind, body),
  );
  const findings: Finding[] = [];
  answers.forEach((answer, i) => {
    const sent = bodies[i];
    if (sent === undefined || !brokenAnswer(answer)) return;
    const request =
      typeof sent.body === "string" ? sent.body.slice(0, 300) : describeBytes(sent.body);
    findings.push({
      rpc: rpcName(sent.method),
      case: sent.index,
      code: `${answer.status} ${answer.code}`,
      message: answer.text.slice(0, 500),
      request,
    });
  });
  return { statuses: answers.map((answer) => answer.status), findings };
}
