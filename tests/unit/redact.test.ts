import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../security/api-keys/format.js";
import { redactSecrets } from "../../security/redact.js";

describe("redactSecrets", () => {
  const { id, key } = generateApiKey();
  const secret = key.slice(`rp_${id}_`.length);

  it("keeps an API key's id and drops its secret, whole, cut short or followed by junk", () => {
    for (const presented of [key, key.slice(0, -20), `${key}\u00a0`, `${key}xyz`]) {
      const line = redactSecrets(`Failed to add metadata entry authorization: ${presented}. bad`);
      expect(line).toContain(`rp_${id}_[redacted]`);
      expect(line).not.toContain(secret.slice(0, 4));
    }
  });

  it("drops bearer values and JWTs, and leaves other text alone", () => {
    const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlLWJ5dGVz";
    expect(redactSecrets(`authorization: Bearer ${jwt}`)).toBe("authorization: Bearer [redacted]");
    expect(redactSecrets(`token ${jwt} refused`)).toBe("token [redacted] refused");
    expect(redactSecrets("bearer abc.def")).toBe("bearer [redacted]");
    expect(redactSecrets("collection docs not found")).toBe("collection docs not found");
  });
});
