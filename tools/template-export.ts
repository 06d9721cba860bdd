// template-export: write an existing Omni cluster out as a cluster template in the workspace
// (omnictl cluster template export), so it can be versioned, validated and synced back.
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { runOmnictl } from "../src/omni/run.js";
import { templateClusterNames } from "../src/omni/template.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";

export default defineTool({
  name: "template-export",
  title: "Export an Omni cluster as a template",
  description:
    "Export an existing Omni cluster as a cluster template file in the workspace (omnictl cluster template export).",
  toolset: "omni",
  risk: "local-write",
  minRole: "reader",
  openWorld: true,
  idempotent: true,
  rules: ["workspace-paths"],
  input: z
    .object({
      cluster: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "Omni cluster names use letters, digits, '-' and '_'").describe("Omni cluster name."),
      output: workspacePath.describe("Template file to write, e.g. omni/cluster.yaml."),
      overwrite: z.boolean().default(false).describe("Replace the file if it exists."),
      includeKernelArgs: z.boolean().default(false).describe("Include kernel arguments in the template."),
    })
    .strict(),
  output: z.object({ path: z.string(), bytes: z.number(), clusters: z.array(z.string()) }),
  async run(args, ctx) {
    const target = await ctx.workspace.resolveOutput(args.output, "output", args.overwrite);
    const text = await ctx.workspace.withScratchDir(async (dir) => {
      const scratch = join(dir, "template.yaml");
      await runOmnictl(ctx, ["cluster", "template", "export", `--cluster=${args.cluster}`, `--output=${scratch}`, ...(args.includeKernelArgs ? ["--include-kernel-args"] : [])], "omnictl cluster template export");
      return readFile(scratch, "utf8");
    });
    await ctx.workspace.writeFile(target, text, 0o600);
    const path = relative(ctx.workspace.root, target);
    return { structured: { path, bytes: Buffer.byteLength(text), clusters: templateClusterNames(text) }, text: `Exported cluster ${args.cluster} to ${path}. Next: template-validate ${path}.` };
  },
});
