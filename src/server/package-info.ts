// Locates the package root (where package.json, prompts/ and the sim scenarios live) from this
// module's URL, which differs between the TypeScript sources (tests) and dist/ (published).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, "utf8")).name === "talos-mcp") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("talos-mcp: cannot locate its package.json");
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const SERVER_VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version;
