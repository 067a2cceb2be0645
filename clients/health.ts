/** What an engine adapter reports about itself for readiness probes. */
export interface EngineHealth {
  /** True when the engine can serve requests now. */
  readonly ok: boolean;
  /** A short, secret-free explanation when not ok. */
  readonly detail?: string;
}
