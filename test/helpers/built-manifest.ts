// Reads a manifest `npm run build` writes under dist/ (tools/manifest.json, prompts/manifest.json),
// for the tests that check it against what the sources say.
import { readFileSync } from "node:fs";

export function readBuiltManifest<T>(pathUnderDist: string): T {
  const path = new URL(`../../dist/${pathUnderDist}`, import.meta.url);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (error) {
    throw new Error(`cannot read the built ${pathUnderDist} (${(error as Error).message}): run \`npm run build\``);
  }
}
