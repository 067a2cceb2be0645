import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { RetrievalService } from "../../gen/ragplane/v1/retrieval_pb.js";
import {
  DeleteRequestSchema,
  SearchRequestSchema,
  SearchResponseSchema,
  UpsertRequestSchema,
  UpsertResponseSchema,
  UpsertStreamRequestSchema,
  UpsertStreamResponseSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import type { CallInput, CallOutput, Next } from "../../interceptors/call.js";
import { createDataAccessAuditInterceptor } from "../../interceptors/data-access-audit.js";
import { methodPolicies } from "../../interceptors/policy.js";
import { principalKey, tenantKey } from "../../interceptors/values.js";
import type { AuditEvent, AuditLog } from "../../security/audit/port.js";
import { FakeCall } from "../support/fake-call.js";

class RecordedAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
  }
  query(): never {
    throw new Error("not used");
  }
  async close(): Promise<void> {}
}

const principal = {
  subject: "key:0123456789abcdef",
  tenant: "acme",
  scopes: new Set(["vectors:write"]),
};

function callOf(method: DescMethod): FakeCall {
  const call = new FakeCall(method);
  call.values.set(principalKey, principal as never);
  call.values.set(tenantKey, "acme");
  return call;
}

function unary(message: Message): CallInput {
  return { stream: false, message };
}

function answering(message: Message): Next {
  return async (_call, input) => {
    if (input.stream) for await (const _ of input.messages);
    return { stream: false, message };
  };
}

const upsert = create(UpsertRequestSchema, {
  collection: "docs",
  points: [
    { id: "secret-id-1", vector: [0.25, 0.5], payload: { text: "confidential" } },
    { id: "secret-id-2", vector: [0.75, 1] },
  ],
});

describe("data access audit interceptor", () => {
  it("declares every write and delete RPC in the policy table", () => {
    const writes = Object.entries(methodPolicies)
      .filter(([, policy]) => policy.access && policy.access.action !== "read")
      .map(([key]) => key.split("/")[1])
      .sort();
    expect(writes).toEqual(
      [
        "Publish",
        "CreateTopic",
        "CreateCollection",
        "DeleteCollection",
        "Upsert",
        "UpsertStream",
        "Delete",
        "PutAlias",
        "DeleteAlias",
        "SetCollectionRetention",
        "UpsertNodes",
        "UpsertRelationships",
        "DeleteNodes",
        "DeleteRelationships",
        "SetLabelRetention",
        "PutIngestion",
        "DeleteIngestion",
        "RebuildCollection",
      ].sort(),
    );
  });

  it("names only fields the RPCs' messages have, so every declared count is real", () => {
    const services = [
      EventsService,
      VectorsService,
      GraphsService,
      RetrievalService,
      IngestionService,
    ];
    const methods = new Map<string, DescMethod>(
      services.flatMap((service) =>
        service.methods.map((method): [string, DescMethod] => [
          `${service.typeName}/${method.name}`,
          method,
        ]),
      ),
    );
    const has = (message: DescMethod["input"], field: string) =>
      message.fields.some((f) => f.localName === field);
    for (const [key, policy] of Object.entries(methodPolicies)) {
      const access = policy.access;
      if (access === undefined) continue;
      const method = methods.get(key);
      expect(method, key).toBeDefined();
      if (method === undefined) continue;
      if ("field" in access.target) expect(has(method.input, access.target.field), key).toBe(true);
      if (access.items !== undefined) expect(has(method.input, access.items), key).toBe(true);
      for (const field of access.result ?? [])
        expect(has(method.output, field), `${key} ${field}`).toBe(true);
    }
  });

  it("records a write with target, counts and outcome, and nothing of the payload", async () => {
    const audit = new RecordedAudit();
    const method = VectorsService.method.upsert;
    const invoke = createDataAccessAuditInterceptor({ audit })(
      answering(create(UpsertResponseSchema, { upserted: 2 })),
      method,
    );
    await invoke(callOf(method), unary(upsert));
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      type: "data.write",
      tenant: "acme",
      principal: "key:0123456789abcdef",
      method: "ragplane.v1.VectorsService/Upsert",
      reason: "",
      details: {
        target: "docs",
        targetKind: "collection",
        items: "2",
        upserted: "2",
        outcome: "ok",
      },
    });
    const stored = JSON.stringify(audit.events);
    for (const secret of ["secret-id", "confidential", "0.25"]) {
      expect(stored).not.toContain(secret);
    }
  });

  it("records a failed delete with the error's name as the outcome, and rethrows", async () => {
    const audit = new RecordedAudit();
    const method = VectorsService.method.delete;
    const failure = Object.assign(new Error("gone"), { name: "CollectionNotFoundError" });
    const invoke = createDataAccessAuditInterceptor({ audit })(async () => {
      throw failure;
    }, method);
    const request = create(DeleteRequestSchema, { collection: "docs", ids: ["a", "b", "c"] });
    await expect(invoke(callOf(method), unary(request))).rejects.toBe(failure);
    expect(audit.events[0]).toMatchObject({
      type: "data.delete",
      details: { target: "docs", items: "3", outcome: "CollectionNotFoundError" },
    });
    expect(audit.events[0]?.details).not.toHaveProperty("deleted");
  });

  it("records graph writes against `graph`", async () => {
    const audit = new RecordedAudit();
    const method = GraphsService.method.deleteNodes;
    const invoke = createDataAccessAuditInterceptor({ audit })(
      answering(
        create(GraphsService.method.deleteNodes.output, { deleted: 1, relationshipsDeleted: 4 }),
      ),
      method,
    );
    await invoke(callOf(method), unary(create(method.input, { ids: ["n1", "n2"] })));
    expect(audit.events[0]?.details).toEqual({
      target: "graph",
      items: "2",
      deleted: "1",
      relationshipsDeleted: "4",
      outcome: "ok",
    });
  });

  it("counts the items of every message of a client stream", async () => {
    const audit = new RecordedAudit();
    const method = VectorsService.method.upsertStream;
    const invoke = createDataAccessAuditInterceptor({ audit })(
      answering(create(UpsertStreamResponseSchema, { upserted: 3n, batches: 2 })),
      method,
    );
    async function* batches(): AsyncGenerator<Message> {
      yield create(UpsertStreamRequestSchema, {
        collection: "docs",
        points: [{ id: "a" }, { id: "b" }],
      });
      yield create(UpsertStreamRequestSchema, { points: [{ id: "c" }] });
    }
    await invoke(callOf(method), { stream: true, messages: batches() });
    expect(audit.events[0]?.details).toEqual({
      target: "docs",
      targetKind: "collection",
      items: "3",
      upserted: "3",
      batches: "2",
      outcome: "ok",
    });
  });

  it("records reads only for tenants with read auditing on", async () => {
    const audit = new RecordedAudit();
    const audited = new Set<string>();
    const method = VectorsService.method.search;
    const invoke = createDataAccessAuditInterceptor({
      audit,
      readAuditing: { readsAudited: (tenant) => audited.has(tenant) },
    })(answering(create(SearchResponseSchema, { hits: [{ id: "h1" }, { id: "h2" }] })), method);
    const search = unary(create(SearchRequestSchema, { collection: "docs", vector: [1, 0] }));
    await invoke(callOf(method), search);
    expect(audit.events).toEqual([]);
    audited.add("acme");
    await invoke(callOf(method), search);
    expect(audit.events.map((e) => [e.type, e.details])).toEqual([
      ["data.read", { target: "docs", targetKind: "collection", hits: "2", outcome: "ok" }],
    ]);
  });

  it("records a server stream when it ends, with the messages it delivered", async () => {
    const audit = new RecordedAudit();
    const method = VectorsService.method.search;
    const subscribe = method;
    const streaming: Next = async (): Promise<CallOutput> => ({
      stream: true,
      messages: (async function* () {
        yield create(SearchResponseSchema, { hits: [{ id: "x" }] });
        yield create(SearchResponseSchema, { hits: [] });
      })(),
    });
    const invoke = createDataAccessAuditInterceptor({
      audit,
      readAuditing: { readsAudited: () => true },
    })(streaming, subscribe);
    const output = await invoke(
      callOf(subscribe),
      unary(create(SearchRequestSchema, { collection: "docs" })),
    );
    expect(audit.events).toEqual([]);
    if (!output.stream) throw new Error("expected a stream");
    for await (const _ of output.messages);
    expect(audit.events[0]?.details).toMatchObject({ messages: "2", hits: "0", outcome: "ok" });
  });
});
