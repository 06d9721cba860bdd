#!/usr/bin/env node
// What the tool list costs a model on every turn, in tokens (gpt-tokenizer, o200k_base: the GPT-4o
// / GPT-5 encoding; installed outside the repo by bench/lib/peers.mjs): the tools/list as
// published, per tool and per toolset, the server instructions, and what each publication choice
// saves (string patterns and length limits left to the guard, output schemas only where programs
// read them, annotation hints only where they differ from the MCP defaults, shared parameters
// explained once in the instructions, smaller toolset selections). Writes
// bench/results/tool-tokens.json and .md.
// Usage: node bench/tool-tokens.mjs   (after `npm run build`)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ALL_TOOLS } from "../dist/tools/index.js";
import { describeTool } from "../dist/src/server/tool-description.js";
import { publishedInput } from "../dist/src/server/published-input.js";
import { serverInstructions } from "../dist/src/server/instructions.js";
import { TOOLSETS } from "../dist/src/server/tool-spec.js";
import { tokenCounter } from "./lib/peers.mjs";
import { machineFacts } from "./lib/machine.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const tokens = await tokenCounter();
const count = (value) => tokens.count(JSON.stringify(value));
const listed = ALL_TOOLS.map(describeTool);
const listTokens = (specs) => count(specs.map(describeTool));
const instructionsTokens = (specs) => tokens.count(serverInstructions(specs.map((spec) => spec.name)));

const perTool = ALL_TOOLS.map((spec, index) => {
  const tool = listed[index];
  return {
    tool: spec.name,
    toolset: spec.toolset,
    tokens: count(tool),
    description: tokens.count(tool.description),
    inputSchema: count(tool.inputSchema),
    outputSchema: tool.outputSchema ? count(tool.outputSchema) : 0,
  };
}).sort((a, b) => b.tokens - a.tokens);

const perToolset = Object.fromEntries(TOOLSETS.map((toolset) => [toolset, listTokens(ALL_TOOLS.filter((spec) => spec.toolset === toolset))]));

// What the list would cost with each choice undone, one at a time.
const fullSchema = (schema) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: "draft-7", io: "input" });
  return rest;
};
const withPatterns = ALL_TOOLS.map((spec, index) => ({ ...listed[index], inputSchema: fullSchema(publishedInput(spec)) }));
const withOutputSchemas = ALL_TOOLS.map((spec, index) => (spec.output ? { ...listed[index], outputSchema: fullSchema(spec.output) } : listed[index]));
const withAnnotationTitles = ALL_TOOLS.map((spec, index) => ({ ...listed[index], annotations: { title: spec.title, ...listed[index].annotations } }));
const withEveryHint = ALL_TOOLS.map((spec, index) => ({
  ...listed[index],
  annotations: { ...listed[index].annotations, idempotentHint: spec.idempotent ?? spec.risk === "read", openWorldHint: spec.openWorld },
}));
// The per-tool descriptions the shared parameters had before the server instructions explained them once.
const SHARED_PARAMETER_TEXT = {
  cluster: "Workspace cluster (from gen-config).",
  context: "talosconfig context (default: current).",
  planId: "Plan id from an earlier call with the same arguments; runs once approved.",
  confirm: "The value a destructive plan asks to type back (--consent plan only).",
};
const withSharedParameterText = listed.map((tool) => {
  const properties = { ...tool.inputSchema.properties };
  for (const [name, description] of Object.entries(SHARED_PARAMETER_TEXT)) {
    if (properties[name] && !properties[name].description) properties[name] = { ...properties[name], description };
  }
  return { ...tool, inputSchema: { ...tool.inputSchema, properties } };
});
const all = count(listed);
const subsets = {
  "all toolsets": ALL_TOOLS,
  "without omni": ALL_TOOLS.filter((spec) => spec.toolset !== "omni"),
  "talos,etcd,lifecycle (a plain Talos operator)": ALL_TOOLS.filter((spec) => ["talos", "etcd", "lifecycle"].includes(spec.toolset)),
  "talos (read-only troubleshooting)": ALL_TOOLS.filter((spec) => spec.toolset === "talos"),
};
const result = {
  tokenizer: tokens.name,
  machine: machineFacts(),
  measuredAt: new Date().toISOString(),
  toolsListTokens: all,
  toolsListChars: JSON.stringify(listed).length,
  instructionsTokens: instructionsTokens(ALL_TOOLS),
  tools: ALL_TOOLS.length,
  perToolset,
  subsets: Object.fromEntries(Object.entries(subsets).map(([name, specs]) => [name, { tools: specs.length, toolsList: listTokens(specs), instructions: instructionsTokens(specs) }])),
  choicesSave: {
    "patterns, length and list-size limits left to the guard": count(withPatterns) - all,
    "output schemas only where programs read them": count(withOutputSchemas) - all,
    "title not repeated in annotations": count(withAnnotationTitles) - all,
    "idempotentHint/openWorldHint only where they differ from the MCP default": count(withEveryHint) - all,
    "cluster, context, planId, confirm explained once in the instructions, not per tool": count(withSharedParameterText) - all,
  },
  perTool,
};
writeFileSync(join(root, "bench/results/tool-tokens.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# tools/list tokens (${tokens.name})`,
  "",
  `All ${result.tools} tools: **${all} tokens** (${result.toolsListChars} chars) + instructions ${result.instructionsTokens} tokens. Measured ${result.measuredAt}, Node ${result.machine.node}.`,
  "",
  "| selection (`--toolsets`) | tools | tools/list tokens | instructions tokens |",
  "|---|---|---|---|",
  ...Object.entries(result.subsets).map(([name, s]) => `| ${name} | ${s.tools} | ${s.toolsList} | ${s.instructions} |`),
  "",
  "| choice | tokens saved |",
  "|---|---|",
  ...Object.entries(result.choicesSave).map(([name, saved]) => `| ${name} | ${saved} |`),
  "",
  "| tool | toolset | tokens | description | input schema | output schema |",
  "|---|---|---|---|---|---|",
  ...perTool.map((t) => `| ${t.tool} | ${t.toolset} | ${t.tokens} | ${t.description} | ${t.inputSchema} | ${t.outputSchema} |`),
  "",
].join("\n");
writeFileSync(join(root, "bench/results/tool-tokens.md"), md);
console.log(md);
