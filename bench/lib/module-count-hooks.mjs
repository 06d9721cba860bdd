// Loader hooks for bench/profile-start.mjs: counts the ES modules the server loads (CommonJS
// packages such as yaml and pino count once, by their entry) and reports each count to stderr.
import { writeSync } from "node:fs";

export async function load(url, context, next) {
  if (!url.startsWith("node:")) writeSync(2, `bench-module-loaded ${url}\n`);
  return next(url, context);
}
