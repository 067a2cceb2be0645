import { configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";
import { encodeUtf8 } from "../../clients/utf8.js";

/**
 * Makes protobuf-es encode strings with {@link encodeUtf8}, for every message this process
 * serializes on either transport; decoding and validation stay protobuf-es's own.
 * Idempotent.
 */
export function useFastUtf8Encoding(): void {
  const current = getTextEncoding();
  if (current.encodeUtf8 === encodeUtf8) return;
  configureTextEncoding({ ...current, encodeUtf8 });
}
