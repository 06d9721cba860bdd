// template-validate: `omnictl cluster template validate` (offline) on a template in the workspace,
// plus `render` for the resources it would create. Referenced patch files must be in the workspace.
import { readFile, stat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { ToolError } from "../src/server/errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { parseTemplateErrors, referencedPatchFiles } from "../src/omni/template.js";
import { parseAllDocuments } from "yaml";

async function templateFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

const issue = z.object({ message: z.string(), document: z.number().optional(), line: z.number().optional(), column: z.number().optional(), field: z.string().optional(), cluster: z.string().optional() });

export default defineTool({
  name: "template-validate",
  title: "Validate an Omni cluster template",
  description:
    "Validate an Omni cluster template file (or a directory of them) in the workspace with omnictl cluster template validate — offline, no Omni needed. Errors come with line, column and field; render: true also lists the resources the template would create. Use before template-sync.",
  toolset: "omni",
  risk: "read",
  minRole: "none",
  openWorld: false,
  idempotent: true,
  rules: ["omni-reconcile", "workspace-paths"],
  input: z
    .object({
      template: workspacePath.describe("Template file or directory in the workspace, e.g. omni/cluster.yaml."),
      render: z.boolean().optional().describe("Also render the resources (omnictl cluster template render)."),
    })
    .strict(),
  output: z.object({
    valid: z.boolean(),
    files: z.array(z.object({ file: z.string(), valid: z.boolean(), issues: z.array(issue), resources: z.array(z.object({ type: z.string(), id: z.string() })).optional() })),
  }),
  async run(args, ctx) {
    const root = await ctx.workspace.resolve(args.template, "template");
    const files = await templateFiles(root).catch(() => {
      throw new ToolError(`template ${args.template} does not exist in the workspace`, { field: "template" });
    });
    const results = [];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      for (const patch of referencedPatchFiles(file, text)) await ctx.workspace.resolve(relative(ctx.workspace.root, patch), "template (patches[].file)");
      const validated = await ctx.cli.run("omnictl", ["cluster", "template", "validate", `--file=${file}`], { cwd: ctx.workspace.root });
      const issues = validated.exitCode === 0 ? [] : parseTemplateErrors(validated.stderr);
      let resources: { type: string; id: string }[] | undefined;
      if (args.render && validated.exitCode === 0) {
        const rendered = await ctx.cli.run("omnictl", ["cluster", "template", "render", `--file=${file}`], { cwd: ctx.workspace.root });
        resources = parseAllDocuments(rendered.stdout)
          .map((doc) => doc.toJS() as { metadata?: { type?: string; id?: string } } | null)
          .filter((doc) => doc?.metadata?.type)
          .map((doc) => ({ type: doc!.metadata!.type!, id: String(doc!.metadata!.id) }));
      }
      results.push({ file: relative(ctx.workspace.root, file), valid: validated.exitCode === 0, issues, ...(resources ? { resources } : {}) });
    }
    const valid = results.every((r) => r.valid);
    const text = results
      .map((r) => (r.valid ? `${r.file}: valid${r.resources ? ` (${r.resources.length} resources)` : ""}` : `${r.file}: INVALID\n${r.issues.map((i) => `  - ${i.line ? `line ${i.line}:${i.column} ` : ""}${i.message}`).join("\n")}`))
      .join("\n");
    return { structured: { valid, files: results }, text };
  },
});
