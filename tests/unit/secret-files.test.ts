import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { secretVariables, withSecretFiles } from "../../server/secret-files.js";

const files: Record<string, string> = {
  "/run/secrets/neo4j": "a-long-neo4j-password\n",
  "/run/secrets/empty": "\n",
};
const read = (path: string): string => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
  return content;
};

describe("secrets from files", () => {
  it("reads NAME_FILE into NAME, dropping one trailing line break", () => {
    const problems: string[] = [];
    const env = withSecretFiles({ NEO4J_PASSWORD_FILE: "/run/secrets/neo4j" }, problems, read);
    expect(problems).toEqual([]);
    expect(env.NEO4J_PASSWORD).toBe("a-long-neo4j-password");
  });

  it("refuses a variable set both directly and as a file", () => {
    const problems: string[] = [];
    withSecretFiles(
      { QDRANT_API_KEY: "inline", QDRANT_API_KEY_FILE: "/run/secrets/neo4j" },
      problems,
      read,
    );
    expect(problems).toEqual(["set QDRANT_API_KEY or QDRANT_API_KEY_FILE, not both"]);
  });

  it("names a missing or empty file by variable and path, never by content", () => {
    const problems: string[] = [];
    withSecretFiles(
      { JWT_HMAC_SECRET_FILE: "/run/secrets/none", REDIS_URL_FILE: "/run/secrets/empty" },
      problems,
      read,
    );
    expect(problems).toEqual([
      "JWT_HMAC_SECRET_FILE=/run/secrets/none cannot be read (ENOENT)",
      "REDIS_URL_FILE=/run/secrets/empty is empty",
    ]);
  });

  it("leaves variables that are not secrets alone", () => {
    const problems: string[] = [];
    const env = withSecretFiles({ HOST_FILE: "/run/secrets/neo4j" }, problems, read);
    expect(env.HOST).toBeUndefined();
    expect(secretVariables).not.toContain("HOST");
  });

  it("gives loadConfig the file's secret, and production checks it like an inline one", () => {
    const dir = mkdtempSync(join(tmpdir(), "secret-"));
    writeFileSync(join(dir, "password"), "a-long-neo4j-password\n");
    writeFileSync(join(dir, "placeholder"), "changeme\n");
    const neo4j = { NEO4J_URL: "bolt://127.0.0.1:7687" };
    const config = loadConfig({ ...neo4j, NEO4J_PASSWORD_FILE: join(dir, "password") });
    expect(config.engines.neo4j?.password).toBe("a-long-neo4j-password");
    expect(() =>
      loadConfig({
        ...neo4j,
        NODE_ENV: "production",
        AUTH_METHODS: "api-key",
        NEO4J_PASSWORD_FILE: join(dir, "placeholder"),
      }),
    ).toThrow(/NEO4J_PASSWORD is a placeholder/);
  });
});
