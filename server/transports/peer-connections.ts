import type { Socket } from "node:net";

/**
 * Counts the connections each remote address holds, up to a cap: a connection past its
 * peer's cap is closed as it opens. A socket counts until it closes.
 */
export class PeerConnections {
  private readonly held = new Map<string, number>();

  constructor(private readonly maxPerPeer: number) {}

  /** Counts `socket` against its peer; destroys it and answers false when the peer is at its cap. */
  admit(socket: Socket): boolean {
    const peer = socket.remoteAddress ?? "";
    const held = this.held.get(peer) ?? 0;
    if (held >= this.maxPerPeer) {
      socket.destroy();
      return false;
    }
    this.held.set(peer, held + 1);
    socket.once("close", () => {
      const left = (this.held.get(peer) ?? 1) - 1;
      if (left === 0) this.held.delete(peer);
      else this.held.set(peer, left);
    });
    return true;
  }
}
