import { cors } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { NodeHandlerFn } from "../../server/transports/connect.js";
import { withCors } from "../../server/transports/cors.js";

type AnyRequest = Parameters<NodeHandlerFn>[0];
type AnyResponse = Parameters<NodeHandlerFn>[1];

const app = "https://app.example.com";

/** A response that records what was sent, and whether the wrapped handler ran. */
function exchange(
  method: string,
  headers: Record<string, string>,
  origins: readonly string[] = [app, "http://localhost:5173"],
  onRefused?: (origin: string) => void,
) {
  const sent = { status: 0, headers: new Map<string, string>(), ended: false, handled: false };
  const response = {
    setHeader(name: string, value: string) {
      sent.headers.set(name.toLowerCase(), value);
    },
    writeHead(status: number, headers: Record<string, string> = {}) {
      sent.status = status;
      for (const [name, value] of Object.entries(headers))
        sent.headers.set(name.toLowerCase(), value);
    },
    end() {
      sent.ended = true;
    },
  };
  const handler = withCors(
    ((_request: AnyRequest, reply: AnyResponse) => {
      sent.handled = true;
      (reply as unknown as typeof response).writeHead(200);
    }) as NodeHandlerFn,
    origins,
    onRefused,
  );
  handler({ method, headers } as unknown as AnyRequest, response as unknown as AnyResponse);
  return sent;
}

function listed(value: string | undefined): string[] {
  return (value ?? "").split(",").map((name) => name.trim().toLowerCase());
}

const preflight = (origin: string) =>
  exchange("OPTIONS", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type,authorization",
  });

describe("CORS preflight", () => {
  it("answers an allowed origin with 204, that exact origin and credentials", () => {
    const sent = preflight(app);
    expect(sent.status).toBe(204);
    expect(sent.ended).toBe(true);
    expect(sent.handled).toBe(false);
    expect(sent.headers.get("access-control-allow-origin")).toBe(app);
    expect(sent.headers.get("access-control-allow-credentials")).toBe("true");
    expect(sent.headers.get("access-control-max-age")).toBe("7200");
    expect(sent.headers.get("vary")).toBe("Origin");
  });

  it("allows Connect's methods and headers plus authorization, x-api-key and x-request-id", () => {
    const sent = preflight(app);
    expect(sent.headers.get("access-control-allow-methods")?.split(", ")).toEqual(
      expect.arrayContaining([...cors.allowedMethods]),
    );
    expect(listed(sent.headers.get("access-control-allow-headers"))).toEqual(
      expect.arrayContaining([
        ...cors.allowedHeaders.map((name) => name.toLowerCase()),
        "authorization",
        "x-api-key",
        "x-request-id",
      ]),
    );
  });

  it("refuses another origin with 403 and no CORS headers", () => {
    const sent = preflight("https://evil.example.com");
    expect(sent.status).toBe(403);
    expect(sent.handled).toBe(false);
    expect([...sent.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual(
      [],
    );
  });

  it("treats an origin that only starts like an allowed one as another origin", () => {
    expect(preflight(`${app}.evil.example.com`).status).toBe(403);
    expect(preflight("https://APP.example.com").status).toBe(403);
  });
});

describe("CORS on actual requests", () => {
  it("gives an allowed origin its origin, credentials and the exposed headers", () => {
    const sent = exchange("POST", { origin: app, "content-type": "application/json" });
    expect(sent.handled).toBe(true);
    expect(sent.headers.get("access-control-allow-origin")).toBe(app);
    expect(sent.headers.get("access-control-allow-credentials")).toBe("true");
    expect(listed(sent.headers.get("access-control-expose-headers"))).toEqual(
      expect.arrayContaining([
        ...cors.exposedHeaders.map((name) => name.toLowerCase()),
        "retry-after",
        "x-request-id",
      ]),
    );
  });

  it("serves another origin without CORS headers, leaving the browser to block it", () => {
    const sent = exchange("POST", { origin: "https://evil.example.com" });
    expect(sent.handled).toBe(true);
    expect([...sent.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual(
      [],
    );
  });

  it("never answers with the wildcard origin", () => {
    for (const origin of [app, "https://evil.example.com", "null"]) {
      expect(exchange("POST", { origin }).headers.get("access-control-allow-origin")).not.toBe("*");
      expect(preflight(origin).headers.get("access-control-allow-origin")).not.toBe("*");
    }
  });

  it("leaves requests without an Origin to the handler without CORS headers", () => {
    const sent = exchange("GET", {});
    expect(sent.handled).toBe(true);
    expect(sent.headers.has("access-control-allow-origin")).toBe(false);
  });

  it("with no origin allowed, refuses every preflight and reports it, and adds nothing to other requests", () => {
    const refused: string[] = [];
    const headers = {
      origin: app,
      "access-control-request-method": "POST",
    };
    const sent = exchange("OPTIONS", headers, [], (origin) => refused.push(origin));
    expect(sent.status).toBe(403);
    expect(sent.handled).toBe(false);
    expect(refused).toEqual([app]);
    const plain = exchange("POST", { origin: app }, []);
    expect(plain.handled).toBe(true);
    expect(plain.headers.has("access-control-allow-origin")).toBe(false);
  });
});
