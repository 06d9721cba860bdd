// A template the model names: a file or a directory (walked for *.yaml / *.yml as omnictl does),
// inside the workspace, and every patch file it references inside the workspace too. omnictl gets
// the workspace root as --allowed-dir so it enforces the same boundary when it reads patches.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { ToolError } from "../server/errors.js";
import type { ToolContext } from "../server/tool-spec.js";
import { referencedPatchFiles, templateClusterNames } from "./template.js";

export interface ResolvedTemplate {
  /** Absolute path of the file or directory as given. */
  path: string;
  files: string[];
  clusters: string[];
}

async function templateFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export async function resolveTemplate(ctx: ToolContext, input: string, field = "template"): Promise<ResolvedTemplate> {
  const path = await ctx.workspace.resolve(input, field);
  const files = await templateFiles(path).catch(() => {
    throw new ToolError(`template ${input} does not exist in the workspace`, { field, next: "give a template file or directory relative to the workspace" });
  });
  if (files.length === 0) throw new ToolError(`template directory ${input} holds no *.yaml or *.yml file`, { field });
  const clusters: string[] = [];
  for (const file of files) {
    // Resolved one by one, so a plan that syncs this template is bound to each file it reads.
    await ctx.workspace.resolve(relative(ctx.workspace.root, file), field);
    const text = await readFile(file, "utf8");
    for (const patch of referencedPatchFiles(file, text)) await ctx.workspace.resolve(relative(ctx.workspace.root, patch), `${field} (patches[].file in ${relative(ctx.workspace.root, file)})`);
    clusters.push(...templateClusterNames(text));
  }
  return { path, files, clusters };
}

/** The flags every `omnictl cluster template …` call gets for a template. */
export function templateFlags(ctx: ToolContext, path: string): string[] {
  return [`--file=${path}`, `--allowed-dir=${ctx.workspace.root}`];
}
