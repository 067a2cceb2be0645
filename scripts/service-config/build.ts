import { readFileSync } from "node:fs";
import {
  createFileRegistry,
  type DescMethod,
  type DescService,
  type FileRegistry,
  fromBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  defaultRetryPolicy,
  defaultTimeoutMs,
  isRetryable,
  type RetryPolicy,
} from "../../client/policy.js";

/** One method a method config applies to. */
export interface MethodName {
  readonly service: string;
  readonly method: string;
}

/** A gRPC `retryPolicy`, with durations as JSON `google.protobuf.Duration` strings. */
export interface JsonRetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoff: string;
  readonly maxBackoff: string;
  readonly backoffMultiplier: number;
  readonly retryableStatusCodes: readonly string[];
}

/** One entry of `methodConfig`: the methods it names share a timeout and a retry policy. */
export interface MethodConfig {
  readonly name: readonly MethodName[];
  readonly timeout?: string;
  readonly retryPolicy?: JsonRetryPolicy;
}

/** A gRPC service config in its JSON form, as grpc-js, grpc-go and grpcio load it. */
export interface ServiceConfig {
  readonly methodConfig: readonly MethodConfig[];
}

/**
 * The status codes the published policy retries. RESOURCE_EXHAUSTED is left out: it is
 * worth retrying only when the server sent `google.rpc.RetryInfo`, which a gRPC
 * `retryPolicy` cannot see (ragplane's TypeScript client checks it).
 */
export const retryableStatusCodes = ["UNAVAILABLE"] as const;

/** Reads a binary `FileDescriptorSet` (as `buf build -o x.binpb` writes it) into a registry. */
export function readDescriptorSet(path: string | URL): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path)));
}

/** The services of one protobuf package in a registry, ordered by full name. */
export function servicesOf(registry: FileRegistry, protoPackage: string): DescService[] {
  return [...registry.files]
    .filter((file) => file.proto.package === protoPackage)
    .flatMap((file) => file.services)
    .sort((a, b) => (a.typeName < b.typeName ? -1 : a.typeName > b.typeName ? 1 : 0));
}

/**
 * The service config of the given services: every method gets its default timeout
 * (none for server streams) and, when the contract marks it `NO_SIDE_EFFECTS` or
 * `IDEMPOTENT`, a retry policy for {@link retryableStatusCodes}. Methods that share both
 * are listed in one entry; entries follow the first method of each, in service order
 * and then in the order the contract declares the methods.
 */
export function buildServiceConfig(
  services: Iterable<DescService>,
  policy: RetryPolicy = defaultRetryPolicy,
): ServiceConfig {
  const entries = new Map<string, { names: MethodName[]; config: Omit<MethodConfig, "name"> }>();
  for (const service of services) {
    for (const method of service.methods) {
      const config = methodSettings(method, policy);
      const key = JSON.stringify(config);
      const entry = entries.get(key) ?? { names: [], config };
      entry.names.push({ service: service.typeName, method: method.name });
      entries.set(key, entry);
    }
  }
  return {
    methodConfig: [...entries.values()].map(({ names, config }) => ({ name: names, ...config })),
  };
}

/** The config as written to disk: two-space JSON with a trailing newline. */
export function formatServiceConfig(config: ServiceConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

function methodSettings(method: DescMethod, policy: RetryPolicy): Omit<MethodConfig, "name"> {
  const timeoutMs = defaultTimeoutMs(method);
  return {
    ...(timeoutMs === undefined ? {} : { timeout: duration(timeoutMs) }),
    ...(isRetryable(method) ? { retryPolicy: jsonRetryPolicy(policy) } : {}),
  };
}

function jsonRetryPolicy(policy: RetryPolicy): JsonRetryPolicy {
  return {
    maxAttempts: policy.maxAttempts,
    initialBackoff: duration(policy.initialBackoffMs),
    maxBackoff: duration(policy.maxBackoffMs),
    backoffMultiplier: policy.backoffMultiplier,
    retryableStatusCodes: [...retryableStatusCodes],
  };
}

function duration(ms: number): string {
  return `${ms / 1000}s`;
}
