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

/**
 * Most field violations one error carries; its message counts them all. Every violation
 * travels in the `grpc-status-details-bin` trailer, and a trailer beyond HTTP/2's header
 * limits (64 KiB by default) never reaches the client.
 */
export const maxReportedViolations = 50;

/** Most characters of field paths and descriptions one error carries in all. */
const maxReportedChars = 8_192;

/** Longest field path or description kept whole. */
const maxViolationChars = 512;

/**
 * An INVALID_ARGUMENT error carrying `google.rpc.BadRequest` with the first violations
 * (at most {@link maxReportedViolations}, and at most 8,192 characters of text).
 */
export function invalidArgument(violations: readonly FieldViolation[]): ConnectError {
  const reported = reportable(violations);
  const first = reported[0];
  const summary = first === undefined ? "invalid request" : `${first.field}: ${first.description}`;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  return new ConnectError(`${summary}${more}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations: reported } },
  ]);
}

function reportable(violations: readonly FieldViolation[]): FieldViolation[] {
  const reported: FieldViolation[] = [];
  let chars = 0;
  for (const violation of violations) {
    if (reported.length === maxReportedViolations) break;
    const field = clip(violation.field);
    const description = clip(violation.description);
    chars += field.length + description.length;
    if (chars > maxReportedChars && reported.length > 0) break;
    reported.push({ field, description });
  }
  return reported;
}

function clip(text: string): string {
  return text.length <= maxViolationChars ? text : `${text.slice(0, maxViolationChars - 1)}…`;
}
