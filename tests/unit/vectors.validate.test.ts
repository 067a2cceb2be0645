import {
  create,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  CreateCollectionRequestSchema,
  DeleteRequestSchema,
  GetRequestSchema,
  ListCollectionsRequestSchema,
  ScrollRequestSchema,
  SearchRequestSchema,
  UpsertRequestSchema,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { encodePosition } from "../../server/services/vectors/tokens.js";
import { vectorsValidators } from "../../server/services/vectors/validate.js";

function parse<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> {
  return fromJson(schema, json);
}

const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

const search = (json: Record<string, JsonValue>) =>
  fields(
    vectorsValidators.search(
      parse(SearchRequestSchema, { collection: "docs", vector: [1, 2], ...json }),
    ),
  );

describe("vectorsValidators.upsert", () => {
  const upsert = (points: JsonValue[]) =>
    fields(vectorsValidators.upsert(parse(UpsertRequestSchema, { collection: "docs", points })));

  it("accepts a well-formed batch", () => {
    expect(
      upsert([
        { id: "a", vector: [1, 2], payload: { lang: "en", n: [1, 2] } },
        { id: "b", vector: [3, 4] },
      ]),
    ).toEqual([]);
  });

  it("requires 1 to 1000 points and a valid collection name", () => {
    expect(upsert([])).toEqual(["points"]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `p${i}`, vector: [1] }));
    expect(upsert(many)).toEqual(["points"]);
    const badName = vectorsValidators.upsert(
      parse(UpsertRequestSchema, { collection: "bad name", points: [{ id: "a", vector: [1] }] }),
    );
    expect(fields(badName)).toEqual(["collection"]);
  });

  it("requires ids of 1 to 256 bytes, unique in the batch", () => {
    expect(
      upsert([
        { id: "", vector: [1] },
        { id: "é".repeat(129), vector: [1] },
        { id: "x", vector: [1] },
        { id: "x", vector: [1] },
      ]),
    ).toEqual(["points[0].id", "points[1].id", "points[3].id"]);
  });

  it("requires non-empty vectors of finite 32-bit floats, naming the component", () => {
    expect(
      upsert([
        { id: "a", vector: [] },
        { id: "b", vector: [1, 2, 3, 4, 5, "NaN"] },
        { id: "c", vector: ["Infinity"] },
        { id: "d", vector: Array.from({ length: 4097 }, () => 0) },
      ]),
    ).toEqual([
      "points[0].vector",
      "points[1].vector[5]",
      "points[2].vector[0]",
      "points[3].vector",
    ]);
  });

  it("takes a subject of at most 256 bytes without NUL, or none", () => {
    expect(
      upsert([
        { id: "a", vector: [1], subject: "x".repeat(256) },
        { id: "b", vector: [1], subject: "x".repeat(257) },
        { id: "c", vector: [1], subject: "person\u00001" },
        { id: "d", vector: [1], subject: "" },
      ]),
    ).toEqual(["points[1].subject", "points[2].subject"]);
  });

  it("requires payload numbers to be finite", () => {
    const request = parse(UpsertRequestSchema, {
      collection: "docs",
      points: [{ id: "a", vector: [1] }],
    });
    const [point] = request.points;
    if (point) point.payload = { deep: { list: [1, Number.NaN] } };
    expect(fields(vectorsValidators.upsert(request))).toEqual(["points[0].payload"]);
  });
});

describe("vectorsValidators.createCollection", () => {
  const createCollection = (json: Record<string, JsonValue>) =>
    fields(
      vectorsValidators.createCollection(
        parse(CreateCollectionRequestSchema, {
          name: "docs",
          dimension: 3,
          distance: "DISTANCE_COSINE",
          ...json,
        }),
      ),
    );

  it("accepts a well-formed request", () => {
    expect(
      createCollection({
        payloadIndexes: [{ key: "meta.lang", type: "PAYLOAD_INDEX_TYPE_KEYWORD" }],
      }),
    ).toEqual([]);
  });

  it("requires a dimension of 1 to 4096 and a known distance", () => {
    expect(createCollection({ dimension: 0 })).toEqual(["dimension"]);
    expect(createCollection({ dimension: 4097 })).toEqual(["dimension"]);
    expect(createCollection({ distance: "DISTANCE_UNSPECIFIED" })).toEqual(["distance"]);
    expect(createCollection({ distance: 42 })).toEqual(["distance"]);
  });

  it("requires payload indexes with valid, distinct keys and known types", () => {
    expect(
      createCollection({
        payloadIndexes: [
          { key: "a", type: "PAYLOAD_INDEX_TYPE_BOOL" },
          { key: "a", type: "PAYLOAD_INDEX_TYPE_FLOAT" },
          { key: "a..b", type: "PAYLOAD_INDEX_TYPE_INTEGER" },
          { key: "c" },
        ],
      }),
    ).toEqual(["payload_indexes[1].key", "payload_indexes[2].key", "payload_indexes[3].type"]);
  });

  it("takes HNSW settings in range, or zero for the defaults", () => {
    expect(createCollection({ index: { hnswM: 32, hnswEfConstruct: 256 } })).toEqual([]);
    expect(createCollection({ index: {} })).toEqual([]);
    expect(createCollection({ index: { hnswM: 2, hnswEfConstruct: 5000 } })).toEqual([
      "index.hnsw_m",
      "index.hnsw_ef_construct",
    ]);
  });
});

describe("vectorsValidators.search", () => {
  it("takes an hnsw_ef of at most 4096", () => {
    expect(search({ hnswEf: 256 })).toEqual([]);
    expect(search({ hnswEf: 5000 })).toEqual(["hnsw_ef"]);
  });

  it("accepts a well-formed search with a filter", () => {
    expect(
      search({
        limit: 1000,
        scoreThreshold: 0.5,
        filter: {
          must: [{ key: "lang", match: { value: "en" } }],
          should: [{ key: "n", any: { values: [1, "2", true] } }],
          mustNot: [{ key: "n", range: { gt: 5 } }],
        },
      }),
    ).toEqual([]);
  });

  it("bounds the limit and requires a finite vector", () => {
    expect(search({ limit: 1001 })).toEqual(["limit"]);
    expect(search({ vector: [] })).toEqual(["vector"]);
    expect(search({ vector: [1, "NaN"] })).toEqual(["vector[1]"]);
    expect(search({ scoreThreshold: "NaN" })).toEqual(["score_threshold"]);
  });

  it("requires each condition to have a valid key and exactly one test", () => {
    expect(
      search({
        filter: {
          must: [{ key: "", match: { value: "x" } }, { key: "a" }],
          mustNot: [{ key: "a[", range: { lt: 1 } }],
        },
      }),
    ).toEqual(["filter.must[0].key", "filter.must[1]", "filter.must_not[0].key"]);
  });

  it("requires match and any values to be strings, numbers or booleans", () => {
    expect(
      search({
        filter: {
          must: [
            { key: "a", match: { value: null } },
            { key: "b", match: { value: { x: 1 } } },
            { key: "c", match: {} },
            { key: "d", any: { values: [] } },
            { key: "e", any: { values: ["ok", [1]] } },
          ],
        },
      }),
    ).toEqual([
      "filter.must[0].match.value",
      "filter.must[1].match.value",
      "filter.must[2].match.value",
      "filter.must[3].any.values",
      "filter.must[4].any.values[1]",
    ]);
  });

  it("rejects a non-finite number as a match value", () => {
    const request = parse(SearchRequestSchema, { collection: "docs", vector: [1] });
    request.filter = parse(SearchRequestSchema, {
      filter: { must: [{ key: "a", match: { value: 1 } }] },
    }).filter;
    const condition = request.filter?.must[0];
    if (condition?.test.case === "match") {
      condition.test.value.value = create(ValueSchema, {
        kind: { case: "numberValue", value: Number.POSITIVE_INFINITY },
      });
    }
    expect(fields(vectorsValidators.search(request))).toEqual(["filter.must[0].match.value"]);
  });

  it("requires a range to set at least one bound, each a number", () => {
    expect(
      search({
        filter: {
          must: [
            { key: "a", range: {} },
            { key: "b", range: { gte: "NaN" } },
          ],
        },
      }),
    ).toEqual(["filter.must[0].range", "filter.must[1].range.gte"]);
  });

  it("allows at most 64 conditions over all clauses", () => {
    const condition = { key: "a", match: { value: 1 } };
    const filter = (n: number) => ({
      must: Array.from({ length: n - 40 }, () => condition),
      should: Array.from({ length: 20 }, () => condition),
      mustNot: Array.from({ length: 20 }, () => condition),
    });
    expect(search({ filter: filter(64) })).toEqual([]);
    expect(search({ filter: filter(65) })).toEqual(["filter"]);
  });
});

describe("vectorsValidators: get, delete, list and scroll", () => {
  it("get requires 1 to 1000 valid ids", () => {
    const get = (ids: string[]) =>
      fields(vectorsValidators.get(parse(GetRequestSchema, { collection: "docs", ids })));
    expect(get(["a", "b"])).toEqual([]);
    expect(get([])).toEqual(["ids"]);
    expect(get(["a", ""])).toEqual(["ids[1]"]);
  });

  it("delete requires exactly one of ids and filter", () => {
    const remove = (json: Record<string, JsonValue>) =>
      fields(vectorsValidators.delete(parse(DeleteRequestSchema, { collection: "docs", ...json })));
    expect(remove({ ids: ["a"] })).toEqual([]);
    expect(remove({ filter: { must: [{ key: "a", match: { value: 1 } }] } })).toEqual([]);
    expect(remove({})).toEqual(["ids"]);
    expect(remove({ ids: ["a"], filter: {} })).toEqual(["filter"]);
    expect(remove({ ids: ["a", ""] })).toEqual(["ids[1]"]);
  });

  it("list accepts only page tokens it issued", () => {
    const list = (pageToken: string, pageSize = 0) =>
      fields(
        vectorsValidators.listCollections(
          parse(ListCollectionsRequestSchema, { pageToken, pageSize }),
        ),
      );
    expect(list("")).toEqual([]);
    expect(list(encodePosition("docs"))).toEqual([]);
    expect(list("not a token!")).toEqual(["page_token"]);
    expect(list(encodePosition("bad name"))).toEqual(["page_token"]);
    expect(list("", 1001)).toEqual(["page_size"]);
    expect(list("", -1)).toEqual(["page_size"]);
  });

  it("scroll accepts only cursors it issued", () => {
    const scroll = (cursor: string) =>
      fields(vectorsValidators.scroll(parse(ScrollRequestSchema, { collection: "docs", cursor })));
    expect(scroll(encodePosition("point-7"))).toEqual([]);
    expect(scroll(encodePosition("é"))).toEqual([]);
    expect(scroll("YR")).toEqual(["cursor"]);
    expect(scroll("%%%")).toEqual(["cursor"]);
    expect(scroll(Buffer.from([0xff, 0xfe]).toString("base64url"))).toEqual(["cursor"]);
  });
});

describe("delete by filter", () => {
  it("refuses an empty filter, which would delete every point", () => {
    const violations = vectorsValidators.delete(
      create(DeleteRequestSchema, { collection: "docs", filter: {} }),
    );
    expect(violations).toEqual([expect.objectContaining({ field: "filter" })]);
  });
});
