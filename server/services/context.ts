/**
 * What a service implementation knows about the call it serves. Services never see the
 * transport: the dispatcher derives this from the call after the chain has run.
 */
export interface ServiceContext {
  /** The tenant every engine operation is scoped to (from the principal, never the body). */
  readonly tenant: string;
  /** Aborted when the client cancels or the deadline passes. Pass it to every engine call. */
  readonly signal: AbortSignal;
  /** The call's deadline as epoch milliseconds, if it has one. */
  readonly deadline: number | undefined;
}
