// template-validate: `omnictl cluster template validate` (offline) on a template in the workspace,
// plus `render` for the resources it would create. Referenced patch files must be in the workspace.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { z } from "zod";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { parseTemplateErrors } from "../src/omni/template.js";
import { resolveTemplate, templateFlags } from "../src/omni/template-input.js";
import { parseAllDocuments } from "yaml";

const issue = z.object({ message: z.string(), document: z.number().optional(), line: z.number().optional(), column: z.number().optional(), field: z.string().optional(), cluster: z.string().optional(), section: z.string().optional() });

export default defineTool({
  name: "template-validate",
  title: "Validate an Omni cluster template",
  description:
    "Validate an Omni cluster template offline (omnictl cluster template validate); errors name line and field. Use before template-sync.",
  toolset: "omni",
  risk: "read",
  minRole: "none",
  openWorld: false,
  untrustedSource: "omnictl cluster template validate output",
  idempotent: true,
  rules: ["omni-reconcile", "workspace-paths"],
  input: z
    .object({
      template: workspacePath.describe("Template file or directory, e.g. omni/cluster.yaml."),
      render: z.boolean().optional().describe("Also render the resources."),
    })
    .strict(),
  output: z.object({
    valid: z.boolean(),
    files: z.array(z.object({ file: z.string(), valid: z.boolean(), issues: z.array(issue), resources: z.array(z.object({ type: z.string(), id: z.string() })).optional() })),
  }),
  async run(args, ctx) {
    const { files } = await resolveTemplate(ctx, args.template);
    const results = [];
    for (const file of files) {
      const validated = await ctx.cli.run("omnictl", ["cluster", "template", "validate", ...templateFlags(ctx, file)], { cwd: ctx.workspace.root });
      const text = await readFile(file, "utf8");
      const issues = validated.exitCode === 0 ? [] : parseTemplateErrors(validated.stderr, text);
      let resources: { type: string; id: string }[] | undefined;
      if (args.render && validated.exitCode === 0) {
        const rendered = await ctx.cli.run("omnictl", ["cluster", "template", "render", ...templateFlags(ctx, file)], { cwd: ctx.workspace.root });
        resources = parseAllDocuments(rendered.stdout)
          .map((doc) => doc.toJS() as { metadata?: { type?: string; id?: string } } | null)
          .filter((doc) => doc?.metadata?.type)
          .map((doc) => ({ type: doc!.metadata!.type!, id: String(doc!.metadata!.id) }));
      }
      results.push({ file: relative(ctx.workspace.root, file), valid: validated.exitCode === 0, issues, ...(resources ? { resources } : {}) });
    }
    const valid = results.every((r) => r.valid);
    const summary = results
      .map((r) => (r.valid ? `${r.file}: valid${r.resources ? ` (${r.resources.length} resources)` : ""}` : `${r.file}: INVALID\n${r.issues.map((i) => `  - ${i.line ? `document ${i.document}, line ${i.line}:${i.column}: ` : ""}${i.section ? `${i.section}: ` : ""}${i.message}`).join("\n")}`))
      .join("\n");
    return { structured: { valid, files: results }, text: summary };
  },
});
