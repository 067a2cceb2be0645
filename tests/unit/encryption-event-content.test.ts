import { describe, expect, it } from "vitest";
import { decodeEventContent, encodeEventContent } from "../../security/encryption/event-content.js";

describe("the sealed event content encoding", () => {
  it("round-trips payload, content type, headers and subject, Unicode and empty values included", () => {
    const headers = Object.fromEntries([
      ["ü", "✓"],
      ["", ""],
      ["__proto__", "kept as an own key"],
      ...Array.from({ length: 64 }, (_, index) => [`h${index}`, "v".repeat(index)]),
    ]);
    const content = {
      payload: new Uint8Array([0, 1, 2, 255]),
      contentType: "text/plain; charset=utf-8",
      headers,
      subject: "person-😀",
    };
    const decoded = decodeEventContent(Buffer.concat(encodeEventContent(content)));
    expect(decoded).toEqual(content);
    expect(Object.hasOwn(decoded.headers, "__proto__")).toBe(true);
    expect(decoded.payload).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded.payload)).toBe(false);
    const empty = { payload: new Uint8Array(0), contentType: "", headers: {}, subject: "" };
    expect(decodeEventContent(Buffer.concat(encodeEventContent(empty)))).toEqual(empty);
  });

  it("refuses bytes of another version or cut short", () => {
    const bytes = Buffer.concat(
      encodeEventContent({
        payload: new Uint8Array(0),
        contentType: "a",
        headers: { k: "v" },
        subject: "s",
      }),
    );
    expect(() => decodeEventContent(bytes.subarray(0, 12))).toThrow(/truncated/);
    const other = Uint8Array.from(bytes);
    other[0] = 2;
    expect(() => decodeEventContent(other)).toThrow(/unknown version/);
  });
});
