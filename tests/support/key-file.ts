import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeyFile, KeyFileExistsError } from "../../security/encryption/key-file.js";

/**
 * The key-encryption key file of every server (of any test process or benchmark) that
 * shares the engines of `RAGPLANE_ENGINES_DIR`: data keys in their Redis are wrapped by
 * its key, which a server with a key file of its own could not unwrap, just as production
 * replicas share one. Made on first use next to the engines, so it lives exactly as long
 * as the Redis data it wraps; in the temporary directory when the engines' is unknown.
 */
export async function sharedKeyFile(
  enginesDir: string | undefined = process.env.RAGPLANE_ENGINES_DIR,
): Promise<string> {
  const path = join(enginesDir ?? tmpdir(), "ragplane-tests-kek.json");
  try {
    await createKeyFile(path);
  } catch (error) {
    if (!(error instanceof KeyFileExistsError)) throw error;
  }
  return path;
}
