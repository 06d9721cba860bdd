// Loads the workflow prompts (one Markdown file per workflow, YAML frontmatter: name, title,
// description, tools, arguments) and registers the ones whose tools the session can use. `{{arg}}` placeholders are filled from arguments;
// arguments whose values are knowable (workspace clusters and templates, Talos versions, contexts
// and nodes) get completion.
import { existsSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { yaml } from "../src/lazy-yaml.js";
import { PINNED } from "../src/backends/versions.js";
import type { Config } from "../src/config-types.js";
import { PACKAGE_ROOT } from "../src/server/package-info.js";

export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

export interface WorkflowPrompt {
  name: string;
  title: string;
  description: string;
  /** The tools the workflow needs; the prompt is offered only to sessions that see all of them. */
  tools: string[];
  arguments: PromptArgument[];
  body: string;
}

/** Values the server can look up at completion time; each gets what the user typed so far. */
export interface PromptCompletions {
  /** Contexts of the configured talosconfig that live tools may target. */
  contexts?(prefix: string): string[] | Promise<string[]>;
  /** Nodes of a cluster (workspace cluster or context), when the cluster argument is known. */
  nodes?(prefix: string, cluster: string | undefined): string[] | Promise<string[]>;
}

/** Talos versions offered for version arguments: the pinned CLI's and the releases the reference names. */
export const KNOWN_TALOS_VERSIONS: readonly string[] = [...new Set([PINNED.talosctl, "v1.12.11", "v1.11.6"])];

export class PromptError extends Error {
  override name = "PromptError";
}

const NAME = /^[a-z][a-z0-9-]*$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]+)\s*\}\}/g;

export function parsePrompt(file: string, text: string): WorkflowPrompt {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new PromptError(`${file}: missing YAML frontmatter (--- name, title, description, arguments ---)`);
  const meta = (yaml().parse(match[1]!) ?? {}) as Record<string, unknown>;
  const unknownKeys = Object.keys(meta).filter((key) => !["name", "title", "description", "tools", "arguments"].includes(key));
  if (unknownKeys.length > 0) throw new PromptError(`${file}: unknown frontmatter field(s) ${unknownKeys.join(", ")}`);
  for (const field of ["name", "title", "description"] as const) {
    if (typeof meta[field] !== "string" || meta[field] === "") throw new PromptError(`${file}: frontmatter field '${field}' is required`);
  }
  if (!NAME.test(meta.name as string)) throw new PromptError(`${file}: name '${meta.name}' must be kebab-case`);
  const tools = meta.tools;
  if (!Array.isArray(tools) || tools.length === 0 || !tools.every((tool) => typeof tool === "string" && NAME.test(tool))) {
    throw new PromptError(`${file}: 'tools' must list the tools the workflow needs (kebab-case names), e.g. [gen-config, apply]`);
  }
  const rawArgs = meta.arguments ?? [];
  if (!Array.isArray(rawArgs)) throw new PromptError(`${file}: 'arguments' must be a list of {name, description, required}`);
  const args = rawArgs.map((arg: Record<string, unknown>, index): PromptArgument => {
    if (typeof arg?.name !== "string" || !/^[a-z][a-zA-Z0-9_]*$/.test(arg.name)) throw new PromptError(`${file}: arguments[${index}].name must be a simple identifier`);
    if (typeof arg.description !== "string" || arg.description === "") throw new PromptError(`${file}: arguments[${index}] (${arg.name}) needs a description`);
    if (arg.required !== undefined && typeof arg.required !== "boolean") throw new PromptError(`${file}: arguments[${index}].required must be true or false`);
    return { name: arg.name, description: arg.description, required: arg.required === true };
  });
  const body = match[2]!.trim();
  const declared = new Set(args.map((a) => a.name));
  const undeclared = [...body.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !declared.has(name));
  if (undeclared.length > 0) throw new PromptError(`${file}: placeholder(s) {{${[...new Set(undeclared)].join("}}, {{")}}} have no argument`);
  return { name: meta.name as string, title: meta.title as string, description: meta.description as string, tools: tools as string[], arguments: args, body };
}

/**
 * Where the Markdown files are: next to this module (the sources, or dist/prompts/ once the build
 * copies them there), else the package's prompts/ directory (published layout, container).
 */
export function promptsDir(): string {
  const candidates = [fileURLToPath(new URL("./", import.meta.url)), join(PACKAGE_ROOT, "prompts")];
  const found = candidates.find((dir) => existsSync(dir) && readdirSync(dir).some((file) => file.endsWith(".md")));
  if (!found) throw new PromptError(`no prompt files (*.md) in ${candidates.join(" or ")}`);
  return found;
}

const promptFiles = (dir: string) => readdirSync(dir).filter((file) => file.endsWith(".md")).sort();

export function loadPrompts(dir = promptsDir()): WorkflowPrompt[] {
  const prompts = promptFiles(dir).map((file) => parsePrompt(file, readFileSync(join(dir, file), "utf8")));
  const names = prompts.map((p) => p.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new PromptError(`two prompt files are named ${duplicate}`);
  return prompts;
}

/** What prompts/list and the session's filter need of a prompt, and the file its body is read from. */
export type PromptListing = Omit<WorkflowPrompt, "body"> & { file: string };

export const PROMPT_MANIFEST_FORMAT = 1;

export interface PromptManifest {
  format: typeof PROMPT_MANIFEST_FORMAT;
  prompts: PromptListing[];
}

/**
 * The prompts manifest `npm run build` writes to dist/prompts/manifest.json: a server lists its
 * prompts from it at start without reading the Markdown files or loading yaml; a prompt's file is
 * read at its first prompts/get.
 */
export function buildPromptManifest(dir = promptsDir()): PromptManifest {
  const files = promptFiles(dir);
  const prompts = loadPrompts(dir).map(({ body: _body, ...listing }, index) => ({ file: files[index]!, ...listing }));
  return { format: PROMPT_MANIFEST_FORMAT, prompts };
}

/** A listed prompt's whole text, from its file; a file that no longer says what the manifest listed fails with the fix. */
export function loadListedPrompt(listing: PromptListing, dir = promptsDir()): WorkflowPrompt {
  const prompt = parsePrompt(listing.file, readFileSync(join(dir, listing.file), "utf8"));
  const { body: _body, ...facts } = prompt;
  if (JSON.stringify({ file: listing.file, ...facts }) !== JSON.stringify(listing)) {
    throw new PromptError(`prompts/manifest.json is stale: it lists ${JSON.stringify(listing)} but ${listing.file} has ${JSON.stringify(facts)}; run \`npm run build\``);
  }
  return prompt;
}

/** The shipped prompts' listings: the build's manifest (dist/prompts/manifest.json), or computed from the files when running from the sources. */
function readPromptManifest(): PromptListing[] {
  let text: string;
  try {
    text = readFileSync(new URL("./manifest.json", import.meta.url), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return buildPromptManifest().prompts;
  }
  const manifest = JSON.parse(text) as PromptManifest;
  if (manifest.format !== PROMPT_MANIFEST_FORMAT) throw new PromptError(`prompts/manifest.json has format ${manifest.format}, this server reads ${PROMPT_MANIFEST_FORMAT}: run \`npm run build\``);
  return manifest.prompts;
}

export function renderPrompt(prompt: WorkflowPrompt, args: Record<string, string | undefined>): string {
  const missing = prompt.arguments.filter((arg) => arg.required && !args[arg.name]?.trim());
  if (missing.length > 0) {
    throw new PromptError(`prompt ${prompt.name}: missing required argument(s) ${missing.map((a) => `'${a.name}' (${a.description})`).join(", ")}`);
  }
  return prompt.body.replace(PLACEHOLDER, (_m, name: string) => args[name]?.trim() || "not given");
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Workspace clusters: directories holding the talosconfig gen-config wrote. */
export function workspaceClusters(workspaceRoot: string): string[] {
  return entries(workspaceRoot)
    .filter((e) => e.isDirectory() && existsSync(join(workspaceRoot, e.name, "talosconfig")))
    .map((e) => e.name);
}

/** YAML files under the workspace (a few levels deep, hidden directories skipped), as workspace paths. */
export function workspaceTemplates(workspaceRoot: string, maxDepth = 3, limit = 200): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of entries(dir).sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= limit || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < maxDepth) walk(path, depth + 1);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(relative(workspaceRoot, path).split(sep).join("/"));
    }
  };
  walk(workspaceRoot, 1);
  return found;
}

type Completer = (value: string, context: { arguments?: Record<string, string> } | undefined) => Promise<string[]>;

const MAX_COMPLETIONS = 50;
const matching = (values: Iterable<string>, prefix: string) => [...new Set(values)].filter((v) => v.startsWith(prefix)).slice(0, MAX_COMPLETIONS);

/** The completer for an argument name, or undefined when its values are not knowable. */
export function completerFor(argument: string, workspaceRoot: string, completions: PromptCompletions = {}): Completer | undefined {
  const safely = async (produce: () => string[] | Promise<string[]> | undefined) => {
    try {
      return (await produce()) ?? [];
    } catch {
      // Completion is a convenience: a failing lookup offers nothing rather than an error.
      return [];
    }
  };
  switch (argument) {
    case "cluster":
      return async (value) => matching([...workspaceClusters(workspaceRoot), ...(await safely(() => completions.contexts?.(value)))], value);
    case "template":
      return async (value) => matching(workspaceTemplates(workspaceRoot), value);
    case "version":
      return async (value) => matching(KNOWN_TALOS_VERSIONS, value);
    case "node":
      return completions.nodes ? async (value, context) => matching(await safely(() => completions.nodes!(value, context?.arguments?.cluster)), value) : undefined;
    default:
      return undefined;
  }
}

let shipped: PromptListing[] | undefined;
/** The shipped prompts' listings, read once per process: MCP 2026-07-28 builds a server per request. */
const shippedListings = () => (shipped ??= readPromptManifest());
const bodies = new Map<string, WorkflowPrompt>();
/** A shipped prompt's file, read at its first prompts/get and then kept. */
const shippedPrompt = (listing: PromptListing) => bodies.get(listing.name) ?? bodies.set(listing.name, loadListedPrompt(listing)).get(listing.name)!;

export function registerPrompts(
  server: McpServer,
  deps: { config: Config; workspaceRoot: string; completions?: PromptCompletions; toolVisible?: (name: string) => boolean },
): void {
  const toolVisible = deps.toolVisible ?? (() => true);
  // A workflow the session cannot run is not offered, and neither are its completions.
  for (const prompt of shippedListings().filter((candidate) => candidate.tools.every(toolVisible))) {
    const shape = Object.fromEntries(
      prompt.arguments.map((arg) => {
        const base = arg.required ? z.string().describe(arg.description) : z.string().optional().describe(arg.description);
        const complete = completerFor(arg.name, deps.workspaceRoot, deps.completions);
        return [arg.name, complete ? completable(base, (value, context) => complete(value ?? "", context)) : base];
      }),
    );
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: shape }, (args: Record<string, string | undefined>) => ({
      description: prompt.description,
      messages: [{ role: "user", content: { type: "text", text: renderPrompt(shippedPrompt(prompt), args) } }],
    }));
  }
}
