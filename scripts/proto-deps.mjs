// Copies the third-party .proto sources that ragplane generates code for out of
// node_modules into .proto-deps/, so their versions are pinned by package-lock.json:
// google.rpc error details, and the health and reflection services (generated into gen/
// for the HTTP port, and built into gen/operations.binpb for gRPC reflection).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const target = ".proto-deps";

/** [package file, path below target] */
const sources = [
  ["google-proto-files/google/rpc/error_details.proto", "google/rpc/error_details.proto"],
  ["grpc-health-check/proto/health/v1/health.proto", "grpc/health/v1/health.proto"],
  [
    "@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
    "grpc/reflection/v1/reflection.proto",
  ],
  [
    "@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto",
    "grpc/reflection/v1alpha/reflection.proto",
  ],
];

rmSync(target, { recursive: true, force: true });
for (const [from, to] of sources) {
  const destination = join(target, to);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(require.resolve(from), destination);
}
