import { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import type { TlsConfig } from "../config-security.js";
import { type LoadedTls, loadTls } from "./tls.js";

/** Where reloads are reported; never with key material. */
export interface TlsReloadLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Told the new TLS material after a reload. */
export type TlsListener = (tls: LoadedTls) => void;

/**
 * Watches the files of `TLS_CERT_FILE`, `TLS_KEY_FILE` and `TLS_CLIENT_CA_FILE` and, when
 * any changes (size, modification time or inode, so a Kubernetes secret's symlink swap
 * counts), loads and checks them again and hands the result to the listeners: new
 * handshakes then use it, open connections keep theirs. A set that does not load (a
 * rotation caught halfway, a key that does not match) is reported once and the current
 * material stays in use until the files change again.
 */
export class TlsReloader {
  private readonly listeners = new Set<TlsListener>();
  private signature: string | undefined;
  private failedSignature: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly config: TlsConfig,
    private current: LoadedTls,
    private readonly logger: TlsReloadLogger,
  ) {}

  /** The material in use. */
  get tls(): LoadedTls {
    return this.current;
  }

  /** Calls `listener` with every reloaded set. */
  onReload(listener: TlsListener): void {
    this.listeners.add(listener);
  }

  /** Starts checking the files every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    this.signature = await this.filesSignature();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Checks the files now; resolves once a changed set is loaded (or refused). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const signature = await this.filesSignature();
      if (signature === this.signature || signature === this.failedSignature) return;
      let loaded: LoadedTls;
      try {
        loaded = await loadTls(this.config);
      } catch (error) {
        this.failedSignature = signature;
        this.logger.warn(
          { reason: error instanceof Error ? error.message : String(error) },
          "TLS files changed but do not load; the previous certificate stays in use",
        );
        return;
      }
      this.signature = signature;
      this.failedSignature = undefined;
      this.current = loaded;
      for (const listener of this.listeners) listener(loaded);
      this.logger.info(describeCertificate(loaded.cert), "TLS certificate reloaded");
    } finally {
      this.checking = false;
    }
  }

  private async filesSignature(): Promise<string> {
    const { certFile, keyFile, clientCaFile } = this.config;
    const files = [certFile, keyFile, ...(clientCaFile === undefined ? [] : [clientCaFile])];
    const parts = await Promise.all(
      files.map(async (file) => {
        try {
          const { size, mtimeMs, ino } = await stat(file);
          return `${ino}:${size}:${mtimeMs}`;
        } catch {
          return "missing";
        }
      }),
    );
    return parts.join("|");
  }
}

function describeCertificate(pem: Buffer): object {
  try {
    const leaf = new X509Certificate(pem);
    return { subject: leaf.subject.replaceAll("\n", ", "), validTo: leaf.validTo };
  } catch {
    return {};
  }
}
