import { Pool } from "undici";
import { requireFiniteFloats } from "./input.js";

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

/** A request body already serialized as JSON (see {@link jsonWithVector}). */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A vector as a JSON array of float32 values with nine significant digits: enough for
 * every float32 to read back exactly, where `JSON.stringify` writes the double nearest
 * each one (up to seventeen digits). Two thirds of the time to write, and half the bytes
 * for Qdrant to read. The values must be finite float32s (see {@link jsonWithVector}).
 */
export function float32Json(vector: ArrayLike<number>): string {
  let text = "[";
  for (let i = 0; i < vector.length; i++) {
    const value = Math.fround(vector[i] as number);
    const digits = Object.is(value, -0) ? "-0" : value.toPrecision(9);
    text += i === 0 ? digits : `,${digits}`;
  }
  return `${text}]`;
}

/**
 * `fields` as JSON with `vector` first, written by {@link float32Json}. A component that
 * is not a finite float32 (Qdrant stores float32) is a `PreconditionError` naming it.
 */
export function jsonWithVector(vector: ArrayLike<number>, fields: object): JsonText {
  requireFiniteFloats(vector, "vector");
  const rest = JSON.stringify(fields);
  const head = `{"vector":${float32Json(vector)}`;
  return new JsonText(rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`);
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
   * Sends `body` as JSON (as it is when already {@link JsonText}) and resolves with the `result` of Qdrant's answer;
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
      body: body instanceof JsonText ? body.text : JSON.stringify(body),
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
