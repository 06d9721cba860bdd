// The tools a server offers, as it starts: each tool's tools/list entry and visibility facts from
// the build's manifest (src/server/tool-manifest.ts), and its module imported only when the tool is
// first called. Read once per process at import (top-level await), so neither a new session nor a
// stateless MCP 2026-07-28 request reads or loads anything again.
import { readFileSync } from "node:fs";
import type { Tool } from "@modelcontextprotocol/server";
import { loadToolModule } from "../../tools/modules.js";
import { describeTool } from "./tool-description.js";
import { TOOL_MANIFEST_FORMAT, toolFacts, type ToolFacts, type ToolManifest } from "./tool-manifest.js";
import type { AnyToolSpec } from "./tool-spec.js";

export interface CatalogTool extends ToolFacts {
  listing: Tool;
  /** The tool's spec; the guard validates with its zod schemas as always. (Node imports a module once.) */
  load(): Promise<AnyToolSpec>;
}

/** A catalog of specs already loaded (tests pass subsets; running from sources computes it). */
export function catalogOf(specs: readonly AnyToolSpec[]): CatalogTool[] {
  return specs.map((spec) => ({ ...toolFacts(spec), listing: describeTool(spec), load: async () => spec }));
}

/**
 * A catalog from a manifest. Loading checks that the module's spec has the facts the manifest
 * listed and filtered it by: a manifest older than the modules (tsc run without the postbuild
 * step) fails the call with the fix instead of deciding visibility on stale facts.
 */
export function catalogFromManifest(manifest: ToolManifest): CatalogTool[] {
  return manifest.tools.map(({ module, listing, ...facts }) => {
    const load = async () => {
      const spec = await loadToolModule(module);
      const actual = toolFacts(spec);
      if (JSON.stringify(actual) !== JSON.stringify(facts)) {
        throw new Error(`tools/manifest.json is stale: it lists ${JSON.stringify(facts)} but tools/${module} has ${JSON.stringify(actual)}; run \`npm run build\``);
      }
      return spec;
    };
    return { ...facts, listing, load };
  });
}

async function startCatalog(): Promise<CatalogTool[]> {
  let text: string;
  try {
    // Next to the compiled tool modules (dist/tools/manifest.json).
    text = readFileSync(new URL("../../tools/manifest.json", import.meta.url), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    // Running from the TypeScript sources (tsx, vitest) there is no built manifest: compute the
    // same catalog from the modules, which costs what the manifest saves.
    const { ALL_TOOLS } = await import("../../tools/index.js");
    return catalogOf(ALL_TOOLS);
  }
  const manifest = JSON.parse(text) as ToolManifest;
  if (manifest.format !== TOOL_MANIFEST_FORMAT) throw new Error(`tools/manifest.json has format ${manifest.format}, this server reads ${TOOL_MANIFEST_FORMAT}: run \`npm run build\``);
  return catalogFromManifest(manifest);
}

export const TOOL_CATALOG: readonly CatalogTool[] = await startCatalog();
