import { Pool } from "undici";

/** Qdrant answered with an HTTP error status; `data` is its parsed body, if any. */
export class QdrantHttpError extends Error {
  override readonly name = "QdrantHttpError";
  constructor(
    readonly status: number,
    readonly data: unknown,
  ) {
    super(`qdrant answered ${status}`);
  }
}

/** Options of {@link QdrantHttp}. */
export interface QdrantHttpOptions {
  /** Qdrant's REST endpoint, e.g. `http://127.0.0.1:6333` (a path prefix is kept). */
  readonly url: string;
  /** Sent as `api-key` when set. */
  readonly apiKey?: string | undefined;
  /** Keep-alive connections to Qdrant. */
  readonly connections: number;
}

/**
 * Qdrant's REST API over a plain undici connection pool, for the calls made on every
 * request (search, point writes and reads). The generated client goes through `fetch`,
 * whose streams, `Headers`, per-request signals and gzip decoding cost several times the
 * CPU of the call itself; this sends the same JSON with `request` and asks for no
 * compression (on loopback or in a cluster, the bytes are cheaper than the inflating).
 * Administrative calls stay on the generated client.
 */
export class QdrantHttp {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;

  constructor(options: QdrantHttpOptions) {
    const url = new URL(options.url);
    this.#pool = new Pool(url.origin, { connections: options.connections });
    this.#prefix = url.pathname.replace(/\/+$/, "");
    this.#headers = {
      "content-type": "application/json",
      ...(options.apiKey === undefined ? {} : { "api-key": options.apiKey }),
    };
  }

  /**
   * Sends `body` as JSON and resolves with the `result` of Qdrant's answer;
   * {@link QdrantHttpError} for an error status, undici's own errors for the connection.
   */
  async call<T>(
    method: "POST" | "PUT",
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const response = await this.#pool.request({
      method,
      path: `${this.#prefix}${path}`,
      headers: this.#headers,
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
    const text = await response.body.text();
    const parsed = parse(text);
    if (response.statusCode >= 300) throw new QdrantHttpError(response.statusCode, parsed ?? text);
    const result = (parsed as { result?: T } | undefined)?.result;
    if (result === undefined || result === null)
      throw new Error("qdrant answered without a result");
    return result;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** The path of a collection's endpoint, the collection name escaped. */
export function collectionPath(collection: string, endpoint: string): string {
  return `/collections/${encodeURIComponent(collection)}/${endpoint}`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
