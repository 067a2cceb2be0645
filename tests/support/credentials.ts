import type { Transport } from "@connectrpc/connect";

type HeaderInit = ConstructorParameters<typeof Headers>[0];

/** What a test client presents. */
export type TestCredentials =
  | { readonly apiKey: string }
  | { readonly token: string }
  | { readonly headers: Readonly<Record<string, string>> }
  | "anonymous";

/** The request headers that present `credentials`. */
export function credentialHeaders(credentials: TestCredentials): Record<string, string> {
  if (credentials === "anonymous") return {};
  if ("apiKey" in credentials) return { authorization: `Bearer ${credentials.apiKey}` };
  if ("token" in credentials) return { authorization: `Bearer ${credentials.token}` };
  return { ...credentials.headers };
}

/** A transport that adds `headers` to every call (the call's own headers win). */
export function withHeaders(
  transport: Transport,
  headers: Readonly<Record<string, string>>,
): Transport {
  const merge = (header: HeaderInit | undefined): Headers => {
    const merged = new Headers(headers);
    for (const [name, value] of new Headers(header)) merged.set(name, value);
    return merged;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs, merge(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, merge(header), input, contextValues),
  };
}
