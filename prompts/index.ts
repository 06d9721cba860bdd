// Loads the workflow prompts (one Markdown file per workflow, YAML frontmatter: name, title,
// description, arguments) and registers them. `{{arg}}` placeholders are filled from arguments.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { z } from "zod";
import { PINNED } from "../src/backends/versions.js";
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

/** Values we can offer for an argument: workspace clusters, workspace templates, Talos versions. */
export function completionsFor(argument: string, workspaceRoot: string): ((value: string) => string[]) | undefined {
  const entries = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const startsWith = (values: string[]) => (value: string) => values.filter((v) => v.startsWith(value)).slice(0, 50);
  if (argument === "cluster") {
    return (value) => startsWith(entries(workspaceRoot).filter((e) => e.isDirectory() && existsSync(join(workspaceRoot, e.name, "talosconfig"))).map((e) => e.name))(value);
  }
  if (argument === "template") {
    return (value) =>
      startsWith(
        entries(workspaceRoot).flatMap((e) =>
          e.isDirectory() ? entries(join(workspaceRoot, e.name)).filter((f) => /\.ya?ml$/.test(f.name)).map((f) => `${e.name}/${f.name}`) : /\.ya?ml$/.test(e.name) ? [e.name] : [],
        ),
      )(value);
  }
  if (argument === "version") return startsWith([PINNED.talosctl, "v1.12.0", "v1.11.6", "v1.13.9"]);
  return undefined;
}

export function registerPrompts(server: McpServer, deps: { config: Config; workspaceRoot: string }): void {
  for (const prompt of loadPrompts()) {
    const shape = Object.fromEntries(
      prompt.arguments.map((arg) => {
        const base = arg.required ? z.string().describe(arg.description) : z.string().optional().describe(arg.description);
        const complete = completionsFor(arg.name, deps.workspaceRoot);
        return [arg.name, complete ? completable(base, (value: string | undefined) => complete(value ?? "")) : base];
      }),
    );
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: shape }, (args: Record<string, string | undefined>) => ({
      messages: [{ role: "user", content: { type: "text", text: renderPrompt(prompt, args) } }],
    }));
  }
}
