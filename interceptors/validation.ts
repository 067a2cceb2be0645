import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import type { FieldViolation, Validator } from "../server/validation/violations.js";
import { type Interceptor, mapStream } from "./call.js";

/** Options of {@link createValidationInterceptor}. */
export interface ValidationOptions {
  /** The validator of each method, by `method.parent.typeName + "/" + method.name`. */
  readonly validators: ReadonlyMap<string, Validator<never>>;
}

/** The key under which a method's validator is registered. */
export function methodKey(method: { parent: { typeName: string }; name: string }): string {
  return `${method.parent.typeName}/${method.name}`;
}

/**
 * Checks every request message before the service runs; an invalid one is answered
 * with INVALID_ARGUMENT and `google.rpc.BadRequest` field violations, so the service
 * never sees it and nothing is written. Every method must have a validator: a missing
 * one fails the server's construction, not a request.
 */
export function createValidationInterceptor(options: ValidationOptions): Interceptor {
  return (next, method) => {
    const validator = options.validators.get(methodKey(method)) as Validator<Message> | undefined;
    if (validator === undefined) throw new Error(`no validator for ${methodKey(method)}`);
    const check = (message: Message): Message => {
      const violations = validator(message);
      if (violations.length > 0) throw invalidArgument(violations);
      return message;
    };
    return (call, input) => {
      if (input.stream)
        return next(call, { stream: true, messages: mapStream(input.messages, check) });
      check(input.message);
      return next(call, input);
    };
  };
}

/** An INVALID_ARGUMENT error carrying `google.rpc.BadRequest` with the violations. */
export function invalidArgument(violations: readonly FieldViolation[]): ConnectError {
  const first = violations[0];
  const summary = first === undefined ? "invalid request" : `${first.field}: ${first.description}`;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  return new ConnectError(`${summary}${more}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations: violations.map((v) => ({ ...v })) } },
  ]);
}
