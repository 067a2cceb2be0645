import {
  create,
  createFileRegistry,
  type DescFile,
  type FileRegistry,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import { descriptorFiles, descriptorSetPaths } from "./reflection.js";

/** gRPC's NOT_FOUND, as reflection's `ErrorResponse` carries it. */
const notFound = 5;
/** gRPC's INVALID_ARGUMENT. */
const invalidArgument = 3;

type ResponseInit = MessageInitShape<typeof ServerReflectionResponseSchema>;

/** Answers one `grpc.reflection.v1` request. */
export type ReflectionAnswerer = (request: ServerReflectionRequest) => ServerReflectionResponse;

/**
 * Answers gRPC reflection from the same FileDescriptorSets that the gRPC port reflects
 * (buf's bytes, comments included), for the HTTP port, where connect-node serves it.
 * Files are answered with every file they import, as grpcurl and buf curl expect.
 */
export function createReflectionAnswerer(
  files: readonly FileDescriptorProto[] = descriptorFiles(descriptorSetPaths),
): ReflectionAnswerer {
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [...files] }));
  const serviceNames = [...registry]
    .filter((type) => type.kind === "service")
    .map((service) => service.typeName)
    .sort();
  return (request) => {
    const answer = (messageResponse: ResponseInit["messageResponse"]): ServerReflectionResponse =>
      create(ServerReflectionResponseSchema, {
        validHost: request.host,
        originalRequest: request,
        messageResponse,
      });
    const failure = (code: number, message: string): ServerReflectionResponse =>
      answer({ case: "errorResponse", value: { errorCode: code, errorMessage: message } });
    const files = (file: DescFile | undefined, what: string): ServerReflectionResponse =>
      file === undefined
        ? failure(notFound, `${what} not found`)
        : answer({
            case: "fileDescriptorResponse",
            value: { fileDescriptorProto: withImports(file).map(encode) },
          });
    const { messageRequest } = request;
    switch (messageRequest.case) {
      case "listServices":
        return answer({
          case: "listServicesResponse",
          value: { service: serviceNames.map((name) => ({ name })) },
        });
      case "fileByFilename":
        return files(registry.getFile(messageRequest.value), `file ${messageRequest.value}`);
      case "fileContainingSymbol":
        return files(fileDeclaring(registry, messageRequest.value), messageRequest.value);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = messageRequest.value;
        const extendee = registry.getMessage(containingType);
        const extension =
          extendee === undefined ? undefined : registry.getExtensionFor(extendee, extensionNumber);
        return files(extension?.file, `extension ${extensionNumber} of ${containingType}`);
      }
      case "allExtensionNumbersOfType": {
        const typeName = messageRequest.value;
        if (registry.getMessage(typeName) === undefined)
          return failure(notFound, `${typeName} not found`);
        const numbers = [...registry]
          .filter((type) => type.kind === "extension" && type.extendee.typeName === typeName)
          .map((extension) => (extension.kind === "extension" ? extension.number : 0));
        return answer({
          case: "allExtensionNumbersResponse",
          value: { baseTypeName: typeName, extensionNumber: numbers },
        });
      }
      default:
        return failure(invalidArgument, "empty reflection request");
    }
  };
}

/** The file declaring a symbol: a type, or a method, field or enum value inside one. */
function fileDeclaring(registry: FileRegistry, symbol: string): DescFile | undefined {
  const type = registry.get(symbol);
  if (type !== undefined) return type.file;
  const parent = symbol.slice(0, Math.max(0, symbol.lastIndexOf(".")));
  return parent === "" ? undefined : registry.get(parent)?.file;
}

/** `file` first, then every file it imports, directly or not, each once. */
function withImports(file: DescFile): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (current: DescFile): void => {
    if (seen.has(current.name)) return;
    seen.set(current.name, current);
    for (const dependency of current.dependencies) visit(dependency);
  };
  visit(file);
  return [...seen.values()];
}

function encode(file: DescFile): Uint8Array {
  return toBinary(FileDescriptorProtoSchema, file.proto);
}
