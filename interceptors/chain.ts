import type { Logger } from "pino";
import type { Validator } from "../server/validation/violations.js";
import type { Interceptor } from "./call.js";
import { createDeadlineInterceptor, type DeadlineOptions } from "./deadline.js";
import { createErrorMappingInterceptor } from "./error-mapping.js";
import { createLoggingInterceptor } from "./logging.js";
import { createRequestIdInterceptor } from "./request-id.js";
import { createValidationInterceptor } from "./validation.js";

/** What the chain needs to be built. */
export interface ChainOptions {
  /** The server's logger. */
  readonly logger: Logger;
  /** Deadline defaults and caps. */
  readonly deadlines: DeadlineOptions;
  /** Request validators by method key (see `methodKey`). */
  readonly validators: ReadonlyMap<string, Validator<never>>;
}

/**
 * THE interceptor chain, outermost first. Both transports apply exactly this list to
 * every product RPC; nothing else decides the order.
 */
export function createChain(options: ChainOptions): Interceptor[] {
  return [
    createRequestIdInterceptor(),
    createLoggingInterceptor({ logger: options.logger }),
    createErrorMappingInterceptor({ logger: options.logger }),
    createDeadlineInterceptor(options.deadlines),
    createValidationInterceptor({ validators: options.validators }),
  ];
}
