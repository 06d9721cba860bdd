// patch-config: `talosctl machineconfig patch` offline, into a NEW file in the workspace (the source
// is never modified). Returns which config paths changed, without values. Patches that replace a
// root CA are refused (rule no-cert-systemd-changes): CA rotation is `talosctl rotate-ca`'s job.
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { parseAllDocuments } from "yaml";
import { requireSuccess } from "../src/server/cli-errors.js";
import { PolicyDenied, ToolError } from "../src/server/errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { diffConfigs, touchesCertificateAuthority } from "../src/talos/config-diff.js";

const patchSchema = z.union([
  z.object({ file: workspacePath.describe("Patch file in the workspace.") }).strict(),
  z.object({ inline: z.string().min(1).max(200_000).describe("Strategic merge YAML, or a JSON6902 list.") }).strict(),
]);

export default defineTool({
  name: "patch-config",
  title: "Patch a machine config (offline)",
  description:
    "Patch a machine config into a new workspace file (talosctl machineconfig patch). Touches no node: send the result with apply.",
  toolset: "talos",
  risk: "local-write",
  minRole: "none",
  openWorld: false,
  idempotent: true,
  rules: ["workspace-paths", "no-cert-systemd-changes", "argv-guard"],
  input: z
    .object({
      file: workspacePath.describe("Machine config to patch (left unchanged)."),
      patches: z.array(patchSchema).min(1).max(20).describe("Applied in order: each {file} or {inline}."),
      output: workspacePath.describe("New file, e.g. demo/cp-1.yaml."),
      overwrite: z.boolean().optional().describe("Replace it if it exists."),
    })
    .strict(),
  output: z.object({
    source: z.string(),
    output: z.string(),
    changes: z.array(z.object({ path: z.string(), change: z.enum(["added", "removed", "changed"]) })),
  }),
  async run(args, ctx) {
    const source = await ctx.workspace.resolve(args.file, "file");
    const target = await ctx.workspace.resolve(args.output, "output");
    if (target === source) throw new ToolError("output must differ from file: patch-config never edits a config in place", { field: "output" });
    await ctx.workspace.resolveOutput(args.output, "output", args.overwrite ?? false);
    const before = await readFile(source, "utf8").catch(() => {
      throw new ToolError(`file ${args.file} cannot be read`, { field: "file", next: "give a machine config inside the workspace, e.g. from gen-config" });
    });

    const patched = await ctx.workspace.withScratchDir(async (scratch) => {
      const patchFlags: string[] = [];
      for (const [index, patch] of args.patches.entries()) {
        if ("file" in patch) {
          patchFlags.push(`--patch=@${await ctx.workspace.resolve(patch.file, `patches.${index}.file`)}`);
        } else {
          const errors = parseAllDocuments(patch.inline).flatMap((doc) => doc.errors);
          if (errors.length) throw new ToolError(`patches.${index}.inline is not valid YAML/JSON: ${errors[0]!.message}`, { field: `patches.${index}.inline` });
          const file = join(scratch, `patch-${index}.yaml`);
          await ctx.workspace.writeFile(file, patch.inline);
          patchFlags.push(`--patch=@${file}`);
        }
      }
      const out = join(scratch, "patched.yaml");
      requireSuccess(await ctx.cli.run("talosctl", ["machineconfig", "patch", source, ...patchFlags, `--output=${out}`]), "talosctl machineconfig patch");
      return readFile(out, "utf8");
    });

    const changes = diffConfigs(before, patched);
    const caChanges = touchesCertificateAuthority(changes);
    if (caChanges.length > 0) {
      throw new PolicyDenied(
        "no-cert-systemd-changes",
        `the patch changes ${caChanges.map((c) => c.path).join(", ")}: replacing a root CA cuts every node and client off from the cluster`,
        "rotate CAs with `talosctl rotate-ca` (see the docs), never by patching machine.ca / cluster.ca",
      );
    }
    await ctx.workspace.writeFile(target, patched, 0o600);
    const structured = { source: relative(ctx.workspace.root, source), output: relative(ctx.workspace.root, target), changes };
    const text = changes.length
      ? `Wrote ${structured.output} (0600) from ${structured.source}; ${changes.length} change(s):\n${changes.map((c) => `- ${c.change} ${c.path}`).join("\n")}`
      : `Wrote ${structured.output}; the patches changed nothing.`;
    return { structured, text };
  },
});
