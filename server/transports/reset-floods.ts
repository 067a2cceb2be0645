import type { Http2Session } from "node:http2";
import type { Server } from "node:net";

/** `NGHTTP2_ENHANCE_YOUR_CALM`: the GOAWAY code for a peer that generates excessive load. */
const enhanceYourCalm = 0xb;
/** How long the GOAWAY frame gets to reach the peer before its session is destroyed. */
const goawayFlushMs = 50;
/** Sessions already told to go away. */
const ending = new WeakSet<Http2Session>();

/**
 * Ends an HTTP/2 session whose peer resets more than `maxPerSecond` streams in a second
 * (the "rapid reset" attack: open a stream, reset it, repeat, so the server does work
 * for requests nobody waits for): GOAWAY with ENHANCE_YOUR_CALM, then, once that frame
 * had a moment to leave, the session is destroyed. A stream counts when it closes with an error code, from the peer's
 * RST_STREAM or the server's own.
 */
export function endResetFloods(server: Server, maxPerSecond: number): void {
  server.on("session", (session: Http2Session) => {
    let windowStart = 0;
    let resets = 0;
    session.on("stream", (stream) => {
      stream.once("close", () => {
        if (stream.rstCode === 0 || session.destroyed) return;
        const now = Date.now();
        if (now - windowStart >= 1_000) {
          windowStart = now;
          resets = 0;
        }
        resets += 1;
        if (resets > maxPerSecond && !ending.has(session)) {
          ending.add(session);
          session.goaway(enhanceYourCalm);
          setTimeout(() => session.destroy(), goawayFlushMs).unref();
        }
      });
    });
  });
}
