import type { MethodDefinition } from "@grpc/grpc-js";

/** The echo baseline's only method: raw bytes in, raw bytes out, nothing in between. */
export const echoMethod: MethodDefinition<Buffer, Buffer> = {
  path: "/ragplane.bench.Echo/Echo",
  requestStream: false,
  responseStream: false,
  requestSerialize: (bytes) => bytes,
  requestDeserialize: (bytes) => bytes,
  responseSerialize: (bytes) => bytes,
  responseDeserialize: (bytes) => bytes,
};
