import { Client, credentials, Metadata } from "@grpc/grpc-js";

const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The lean load client: one grpc-js channel to a loopback server, sending requests that
 * were encoded beforehand and handing back raw response bytes, so the client's own CPU
 * stays small next to the server's. Ragplane and the echo server are driven through the
 * same code. `headers` (e.g. `authorization`) go as metadata on every call.
 */
export class BytesClient {
  readonly #client: Client;
  /** Sent with every call; grpc-js copies it when a call starts, so one object serves all. */
  readonly #metadata = new Metadata();

  constructor(address: string, headers: Readonly<Record<string, string>> = {}) {
    this.#client = new Client(address, credentials.createInsecure(), {
      "grpc.max_receive_message_length": 8 * 1024 * 1024,
    });
    for (const [name, value] of Object.entries(headers)) this.#metadata.set(name, value);
  }

  /** Resolves once the channel is connected. */
  ready(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** One unary call on `path` (`/package.Service/Method`). */
  call(path: string, request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        path,
        passThrough,
        passThrough,
        request,
        this.#metadata,
        (error, response) => {
          if (error) reject(error);
          else resolve(response as Buffer);
        },
      );
    });
  }

  /** Closes the channel. */
  close(): void {
    this.#client.close();
  }
}
