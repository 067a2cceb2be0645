import { randomUUID } from "node:crypto";
import { afterEach, beforeEach } from "vitest";

/** What a contract run needs from an adapter: a store, a way to reopen it, and cleanup. */
export interface StoreHarness<S> {
  /** A store ready for use. */
  readonly store: S;
  /** Closes the current store and opens a new one on the same data. */
  reopen(): Promise<S>;
  /** Closes whatever is open and removes the data. */
  cleanup(): Promise<void>;
}

/** Per-test state shared by the sections of a contract suite. */
export interface ContractContext<S> {
  /** The store under test (replaced by `reopen`). */
  readonly store: S;
  /** A tenant unique to the test, so runs against a shared engine never collide. */
  readonly tenant: string;
  /** A second tenant unique to the test, for isolation checks. */
  readonly otherTenant: string;
  /** Closes and reopens the store on the same data. */
  reopen(): Promise<S>;
}

/** Registers hooks that give every test a fresh harness and two fresh tenants. */
export function useContractContext<S>(open: () => Promise<StoreHarness<S>>): ContractContext<S> {
  let harness: StoreHarness<S> | undefined;
  let store: S | undefined;
  let tenant = "";
  let otherTenant = "";
  beforeEach(async () => {
    harness = await open();
    store = harness.store;
    tenant = `tenant-${randomUUID()}`;
    otherTenant = `tenant-${randomUUID()}`;
  });
  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
    store = undefined;
  });
  return {
    get store() {
      if (store === undefined) throw new Error("the harness is not open: used outside a test");
      return store;
    },
    get tenant() {
      return tenant;
    },
    get otherTenant() {
      return otherTenant;
    },
    async reopen() {
      if (harness === undefined) throw new Error("the harness is not open: used outside a test");
      store = await harness.reopen();
      return store;
    },
  };
}
