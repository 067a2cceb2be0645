import { defaultUrl, runCli } from "./run.js";

const env = process.env;
process.exitCode = await runCli(
  process.argv.slice(2),
  {
    url: env.RAGPLANE_URL || defaultUrl,
    apiKey: env.RAGPLANE_API_KEY || undefined,
    dataDir: env.DATA_DIR || "./data",
    ...(env.QDRANT_URL
      ? { qdrant: { url: env.QDRANT_URL, apiKey: env.QDRANT_API_KEY || undefined } }
      : {}),
  },
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
);
