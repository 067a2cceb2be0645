import type { DescService } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { rejection } from "../support/errors.js";
import type { TransportName } from "../support/server.js";

/** Tenant A: owns the data every isolation test tries to reach. */
export const tenantA = "acme";
/** Tenant B: holds every scope, so each refusal it meets is due to tenancy alone. */
export const tenantB = "globex";

/** Clients of both tenants over one transport flavour. */
export interface Tenants {
  readonly transportName: TransportName;
  /** A client presenting tenant A's key. */
  a<S extends DescService>(service: S): Client<S>;
  /** A client presenting tenant B's key. */
  b<S extends DescService>(service: S): Client<S>;
}

/**
 * Asserts that nothing the caller receives with an error names tenant A: neither the
 * message nor any response header or trailer.
 */
export function expectNoTenantName(error: ConnectError): void {
  expect(error.rawMessage).not.toContain(tenantA);
  error.metadata.forEach((value, name) => {
    expect(`${name}: ${value}`).not.toContain(tenantA);
  });
}

/**
 * Runs `attempt` with one of tenant A's names (or an id prefix) and with a name nobody
 * uses, and asserts both are NOT_FOUND with the same message (modulo the name): B learns
 * nothing about whether A's resource exists. Returns the error A's name produced.
 */
export async function expectHidden(
  attempt: (name: string) => Promise<unknown>,
  name: string,
  unusedName: string,
): Promise<ConnectError> {
  const hidden = await rejection(attempt(name));
  const missing = await rejection(attempt(unusedName));
  expect(hidden.code).toBe(Code.NotFound);
  expect(missing.code).toBe(Code.NotFound);
  expect(hidden.rawMessage.replaceAll(name, "<name>")).toBe(
    missing.rawMessage.replaceAll(unusedName, "<name>"),
  );
  expectNoTenantName(hidden);
  return hidden;
}

/** What a server stream delivered before it ended, and the error that ended it, if any. */
export interface Drained<T> {
  readonly items: T[];
  readonly error: ConnectError | undefined;
}

/** Reads a stream to its end (typically its deadline), keeping what it delivered. */
export async function drain<T>(stream: AsyncIterable<T>): Promise<Drained<T>> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return { items, error };
  }
  return { items, error: undefined };
}

/** Reads a stream to its end, rejecting with the error that ended it, if any. */
export async function consume<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const drained = await drain(stream);
  if (drained.error !== undefined) throw drained.error;
  return drained.items;
}

/** Every item of a paged List RPC, following `next_page_token` to the end. */
export async function allPages<T>(
  list: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken = "";
  do {
    const page = await list(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return items;
}
