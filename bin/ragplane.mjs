#!/usr/bin/env node
// Launches the ragplane CLI from its TypeScript sources, compiled on the fly by tsx.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/ragplane.ts", import.meta.url).href);
