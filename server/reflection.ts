import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Server } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync, type Options } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";

const require = createRequire(import.meta.url);
const loaderOptions: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Where `buf build` writes ragplane's FileDescriptorSet (with imports). */
export const descriptorSetPath = fileURLToPath(new URL("../gen/ragplane.binpb", import.meta.url));

/**
 * Serves gRPC reflection v1 and v1alpha (grpcurl's `list`, `describe` and calls with no
 * proto files at hand) for ragplane's services, health and reflection itself.
 */
export function addReflection(server: Server): void {
  const reflectionDir = require.resolve(
    "@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
  );
  const ragplane = loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath), loaderOptions);
  const operations = loadSync(
    [
      healthProtoPath,
      reflectionDir,
      reflectionDir.replace("/v1/reflection.proto", "/v1alpha/reflection.proto"),
    ],
    loaderOptions,
  );
  new ReflectionService({ ...ragplane, ...operations }).addToServer(server);
}
