import { describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { readCredentials } from "../../security/credentials.js";
import { UnauthenticatedError } from "../../security/errors.js";
import { FakeCall } from "../support/fake-call.js";

const key = "rp_0000000000000000_00000000000000000000000000000000";
const read = (headers: Record<string, string>) =>
  readCredentials(new FakeCall(VectorsService.method.search, headers));

describe("reading credentials", () => {
  it("tells API keys from tokens by their rp_ prefix, in either header", () => {
    expect(read({ authorization: `Bearer ${key}` })).toEqual({ apiKey: key });
    expect(read({ authorization: `bearer ${key}` })).toEqual({ apiKey: key });
    expect(read({ "x-api-key": key })).toEqual({ apiKey: key });
    expect(read({ authorization: "Bearer eyJhbGciOi.x.y" })).toEqual({ token: "eyJhbGciOi.x.y" });
    expect(read({})).toEqual({});
  });

  it("refuses other schemes, two different secrets, and a token in x-api-key", () => {
    const refused: Record<string, string>[] = [
      { authorization: "Basic dXNlcjpwYXNz" },
      { authorization: `Bearer ${key}`, "x-api-key": `${key}x` },
      { "x-api-key": "eyJhbGciOi.x.y" },
    ];
    for (const headers of refused) {
      expect(() => read(headers)).toThrow(UnauthenticatedError);
    }
    expect(read({ authorization: `Bearer ${key}`, "x-api-key": key })).toEqual({ apiKey: key });
  });
});
