import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  toBinary,
  toJsonString,
} from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CreateTopicRequestSchema, PublishRequestSchema } from "../../gen/ragplane/v1/events_pb.js";
import {
  UpsertNodesRequestSchema,
  UpsertRelationshipsRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import {
  ListCollectionsRequestSchema,
  UpsertRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import {
  canHoldMapKeys,
  prototypeKeyInBinary,
  prototypeKeyViolation,
} from "../../server/validation/prototype-keys.js";
import { prototypeKeyInJson } from "../../server/validation/prototype-keys-json.js";
import { prototypeKeyStandIn as key, withPrototypeKeys } from "../support/prototype-keys.js";
import { values } from "../support/values.js";

/** A message's binary and JSON encodings, with `__proto__` wherever the init has the stand-in. */
function encodings<Desc extends DescMessage>(desc: Desc, init: MessageInitShape<Desc>) {
  const message = create(desc, init);
  return {
    binary: withPrototypeKeys(toBinary(desc, message)),
    json: withPrototypeKeys(toJsonString(desc, message)),
  };
}

/** The field reported in both encodings, which must agree. */
function reported<Desc extends DescMessage>(desc: Desc, init: MessageInitShape<Desc>) {
  const { binary, json } = encodings(desc, init);
  const fromBinaryEncoding = prototypeKeyInBinary(desc, binary);
  expect(prototypeKeyInJson(desc, json)).toEqual(fromBinaryEncoding);
  return fromBinaryEncoding?.field;
}

describe("a map key __proto__", () => {
  it("is lost by protobuf-es decoding, which is why it is looked for before", () => {
    const { binary } = encodings(PublishRequestSchema, {
      topic: "t",
      events: [{ id: "a", headers: { [key]: "v", kept: "w" } }],
    });
    const decoded = fromBinary(PublishRequestSchema, binary);
    expect(Object.keys(decoded.events[0]?.headers ?? {})).toEqual(["kept"]);
  });

  it("is reported at the point payload that holds it, at any depth", () => {
    const upsert = (payload: MessageInitShape<typeof UpsertRequestSchema>["points"]) =>
      reported(UpsertRequestSchema, { collection: "c", points: payload });
    expect(
      upsert([
        { id: "a", payload: { ok: 1 } },
        { id: "b", payload: { [key]: 1 } },
      ]),
    ).toBe("points[1].payload");
    expect(upsert([{ id: "a", payload: { meta: { [key]: "x" } } }])).toBe(
      'points[0].payload["meta"]',
    );
    expect(upsert([{ id: "a", payload: { tags: ["t", { [key]: 2 }] } }])).toBe(
      'points[0].payload["tags"][1]',
    );
  });

  it("is reported at the node or relationship properties that hold it", () => {
    expect(
      reported(UpsertNodesRequestSchema, {
        nodes: [{ id: "n", properties: values({ [key]: "x", name: "n" }) }],
      }),
    ).toBe("nodes[0].properties");
    expect(
      reported(UpsertRelationshipsRequestSchema, {
        relationships: [
          { fromId: "a", toId: "b", type: "T" },
          { fromId: "a", toId: "b", type: "T", properties: values({ [key]: 1 }) },
        ],
      }),
    ).toBe("relationships[1].properties");
  });

  it("is reported at the event headers that hold it", () => {
    expect(
      reported(PublishRequestSchema, {
        topic: "t",
        events: [{ id: "a" }, { id: "b", headers: { [key]: "v" } }],
      }),
    ).toBe("events[1].headers");
  });

  it("says what is wrong", () => {
    expect(prototypeKeyViolation("events[1].headers")).toEqual({
      field: "events[1].headers",
      description: '"__proto__" is not allowed as a key',
    });
  });

  it("is found in JSON under proto names and behind \\u escapes", () => {
    const json = (text: string) => prototypeKeyInJson(PublishRequestSchema, Buffer.from(text));
    expect(json('{"topic":"t","events":[{"id":"a","headers":{"__proto__":"v"}}]}')?.field).toBe(
      "events[0].headers",
    );
    expect(
      json('{"topic":"t","events":[{"id":"a","headers":{"\\u005f_proto__":"v"}}]}')?.field,
    ).toBe("events[0].headers");
    expect(
      prototypeKeyInJson(
        UpsertRequestSchema,
        Buffer.from('{"collection":"c","points":[{"id":"a","payload":{"__proto__":1}}]}'),
      )?.field,
    ).toBe("points[0].payload");
  });
});

describe("what is not a map key __proto__", () => {
  it("passes: the text as a value, as part of a longer key, or outside any map", () => {
    const binary = (init: MessageInitShape<typeof PublishRequestSchema>) =>
      prototypeKeyInBinary(
        PublishRequestSchema,
        toBinary(PublishRequestSchema, create(PublishRequestSchema, init)),
      );
    expect(binary({ topic: "t", events: [{ id: "__proto__", headers: { h: "__proto__" } }] })).toBe(
      undefined,
    );
    expect(binary({ topic: "t", events: [{ id: "a", headers: { x__proto__: "v" } }] })).toBe(
      undefined,
    );
    expect(
      prototypeKeyInBinary(
        UpsertRequestSchema,
        toBinary(
          UpsertRequestSchema,
          create(UpsertRequestSchema, {
            collection: "c",
            points: [{ id: "a", payload: { text: "__proto__", list: ["__proto__"] } }],
          }),
        ),
      ),
    ).toBe(undefined);
  });

  it("passes malformed bytes and text on to decoding, which reports them", () => {
    const bytes = Buffer.concat([Buffer.from([0x12, 0xff]), Buffer.from("__proto__")]);
    expect(prototypeKeyInBinary(PublishRequestSchema, bytes)).toBe(undefined);
    expect(prototypeKeyInJson(PublishRequestSchema, Buffer.from('{"__proto__": '))).toBe(undefined);
  });
});

describe("canHoldMapKeys", () => {
  it("holds for requests with a map or a Struct at any depth, and only for those", () => {
    expect(canHoldMapKeys(PublishRequestSchema)).toBe(true);
    expect(canHoldMapKeys(UpsertNodesRequestSchema)).toBe(true);
    expect(canHoldMapKeys(UpsertRequestSchema)).toBe(true);
    expect(canHoldMapKeys(ListCollectionsRequestSchema)).toBe(false);
    expect(canHoldMapKeys(CreateTopicRequestSchema)).toBe(false);
  });
});
