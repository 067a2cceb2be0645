// Copies the third-party .proto sources that ragplane generates code for out of
// node_modules into .proto-deps/, so their versions are pinned by package-lock.json.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const target = ".proto-deps";

/** [package file, path below target] */
const sources = [
  ["google-proto-files/google/rpc/error_details.proto", "google/rpc/error_details.proto"],
];

rmSync(target, { recursive: true, force: true });
for (const [from, to] of sources) {
  const destination = join(target, to);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(require.resolve(from), destination);
}
