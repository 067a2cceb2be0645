import { Writable } from "node:stream";

/** A log destination that keeps every line written to it. */
export interface LogCapture {
  /** The destination to hand to the logger. */
  readonly destination: Writable;
  /** The lines written so far, without their line breaks. */
  readonly lines: string[];
}

/** A destination for the server's logger whose lines a test can read back. */
export function captureLog(): LogCapture {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  return { destination, lines };
}
