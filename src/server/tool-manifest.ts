// The tool manifest: what tools/list publishes for every tool, plus the facts the visibility filters
// read (src/server/registry.ts), computed from the tool modules. `npm run build` writes it to
// dist/tools/manifest.json (scripts/postbuild.mjs) so that a starting server lists its tools without
// importing 30 tool modules and building their zod schemas and JSON Schemas — the largest share
// of talos-mcp's own start-up time (bench/README.md, "Where start-up goes").
// test/unit/server/tool-manifest.test.ts fails when the built manifest differs from the sources.
import type { Tool } from "@modelcontextprotocol/server";
import { loadToolModule, TOOL_MODULES, type ToolModule } from "../../tools/modules.js";
import { describeTool } from "./tool-description.js";
import type { AnyToolSpec } from "./tool-spec.js";

/** Bumped when the entry shape changes; a server refuses a manifest of another format. */
export const TOOL_MANIFEST_FORMAT = 1;

/** What visibility is decided on: the same fields of the spec, so a manifest entry and a spec filter alike. */
export type ToolFacts = Pick<AnyToolSpec, "name" | "toolset" | "risk" | "minRole">;

export interface ToolManifestEntry extends ToolFacts {
  /** The tools/modules.ts key of the module that exports the spec. */
  module: ToolModule;
  /** Exactly what describeTool(spec) returns: the tools/list entry. */
  listing: Tool;
}

export interface ToolManifest {
  format: typeof TOOL_MANIFEST_FORMAT;
  tools: ToolManifestEntry[];
}

export function toolFacts(spec: ToolFacts): ToolFacts {
  return { name: spec.name, toolset: spec.toolset, risk: spec.risk, minRole: spec.minRole };
}

/** Imports every tool module (in tools/modules.ts order) and describes it. */
export async function buildToolManifest(): Promise<ToolManifest> {
  const modules = Object.keys(TOOL_MODULES) as ToolModule[];
  const specs = await Promise.all(modules.map(loadToolModule));
  return { format: TOOL_MANIFEST_FORMAT, tools: specs.map((spec, index) => ({ module: modules[index]!, ...toolFacts(spec), listing: describeTool(spec) })) };
}
