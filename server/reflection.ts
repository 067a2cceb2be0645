import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

/**
 * The FileDescriptorSets that `buf build` writes (with imports and comments): ragplane's
 * API, and the health and reflection services.
 */
export const descriptorSetPaths = ["ragplane.binpb", "operations.binpb"].map((name) =>
  fileURLToPath(new URL(`../gen/${name}`, import.meta.url)),
);

/**
 * Serves gRPC reflection v1 and v1alpha (grpcurl's `list`, `describe` and calls with no
 * proto files at hand). The descriptors are buf's own bytes, handed to @grpc/reflection
 * file by file, so comments survive and map fields are described exactly as compiled.
 */
export function addReflection(
  server: Server,
  files: readonly FileDescriptorProto[] = descriptorFiles(descriptorSetPaths),
): void {
  new ReflectionService(packageDefinitionOf(files)).addToServer(server);
}

/**
 * The files of the FileDescriptorSets at `paths`, each once (a file both sets hold, such
 * as a well-known type, is taken from the first).
 */
export function descriptorFiles(paths: readonly string[]): FileDescriptorProto[] {
  const byName = new Map<string, FileDescriptorProto>();
  for (const path of paths) {
    for (const file of fromBinary(FileDescriptorSetSchema, readFileSync(path)).file) {
      if (!byName.has(file.name)) byName.set(file.name, file);
    }
  }
  return [...byName.values()];
}

function packageDefinitionOf(files: readonly FileDescriptorProto[]): PackageDefinition {
  const definition: Record<string, unknown> = {};
  for (const file of files) {
    definition[file.name] = {
      format: "Protocol Buffer 3 FileDescriptorProto",
      fileDescriptorProtos: [Buffer.from(toBinary(FileDescriptorProtoSchema, file))],
    };
  }
  return definition as PackageDefinition;
}
