import type { DescService } from "@bufbuild/protobuf";
import { methodKey } from "../../interceptors/validation.js";
import type { Validator } from "../validation/violations.js";

/**
 * Flattens per-service validator tables into the method-keyed map the validation
 * interceptor reads. A method without a validator is a programming error.
 */
export function validatorMap(
  tables: ReadonlyArray<readonly [DescService, object]>,
): Map<string, Validator<never>> {
  const map = new Map<string, Validator<never>>();
  for (const [service, table] of tables) {
    for (const method of service.methods) {
      const validator = (table as Record<string, Validator<never> | undefined>)[method.localName];
      if (validator === undefined) throw new Error(`no validator for ${methodKey(method)}`);
      map.set(methodKey(method), validator);
    }
  }
  return map;
}
