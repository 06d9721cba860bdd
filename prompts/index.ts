// Loads the workflow prompts (one Markdown file per workflow, YAML frontmatter: name, title,
// description, arguments) and registers them. `{{arg}}` placeholders are filled from arguments.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import type { Config } from "../src/config-types.js";
import { PACKAGE_ROOT } from "../src/server/package-info.js";

export interface PromptArgument {
  name: string;
  description: string;
  required?: boolean;
}

export interface WorkflowPrompt {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
  body: string;
}

export function parsePrompt(file: string, text: string): WorkflowPrompt {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: missing YAML frontmatter`);
  const meta = parseYaml(match[1]!) as Partial<WorkflowPrompt>;
  for (const field of ["name", "title", "description"] as const) {
    if (typeof meta[field] !== "string" || meta[field] === "") throw new Error(`${file}: frontmatter field '${field}' is required`);
  }
  return { name: meta.name!, title: meta.title!, description: meta.description!, arguments: meta.arguments ?? [], body: match[2]!.trim() };
}

export function loadPrompts(dir = join(PACKAGE_ROOT, "prompts")): WorkflowPrompt[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".md"))
    .sort()
    .map((file) => parsePrompt(file, readFileSync(join(dir, file), "utf8")));
}

export function renderPrompt(prompt: WorkflowPrompt, args: Record<string, string | undefined>): string {
  for (const arg of prompt.arguments) {
    if (arg.required && !args[arg.name]) throw new Error(`prompt ${prompt.name}: argument '${arg.name}' is required (${arg.description})`);
  }
  return prompt.body.replace(/\{\{\s*([a-zA-Z0-9_-]+)\s*\}\}/g, (_m, name: string) => args[name] ?? `<${name}>`);
}

export function registerPrompts(server: McpServer, _deps: { config: Config; workspaceRoot: string }): void {
  for (const prompt of loadPrompts()) {
    const shape = Object.fromEntries(
      prompt.arguments.map((arg) => [arg.name, arg.required ? z.string().describe(arg.description) : z.string().optional().describe(arg.description)]),
    );
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: shape }, (args: Record<string, string | undefined>) => ({
      messages: [{ role: "user", content: { type: "text", text: renderPrompt(prompt, args) } }],
    }));
  }
}
