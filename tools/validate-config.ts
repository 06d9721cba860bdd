// validate-config: `talosctl validate` on a machine config in the workspace. An invalid config is
// a successful call that reports valid: false with talosctl's own messages.
import { relative } from "node:path";
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { parseValidateOutput } from "../src/talos/validate-output.js";

export default defineTool({
  name: "validate-config",
  title: "Validate a machine config",
  description:
    "Check a workspace machine config with talosctl validate before applying it; returns its errors and warnings.",
  toolset: "talos",
  risk: "read",
  minRole: "none",
  openWorld: false,
  untrustedSource: "talosctl validate output",
  idempotent: true,
  rules: ["workspace-paths", "argv-guard"],
  input: z
    .object({
      file: workspacePath.describe("Machine config to validate, e.g. demo/controlplane.yaml."),
      mode: z.enum(["metal", "cloud", "container"]).default("metal").describe("Platform mode; metal for bare metal and VMs."),
      strict: z.boolean().optional().describe("Treat warnings as errors."),
    })
    .strict(),
  output: z.object({
    file: z.string(),
    mode: z.string(),
    valid: z.boolean(),
    errors: z.array(z.string()),
    warnings: z.array(z.string()),
  }),
  async run(args, ctx) {
    const file = await ctx.workspace.resolve(args.file, "file");
    const result = await ctx.cli.run("talosctl", ["validate", "--config", file, "--mode", args.mode, ...(args.strict ? ["--strict"] : [])]);
    if (result.exitCode !== 0 && !/error/i.test(result.stderr)) requireSuccess(result, "talosctl validate");
    const report = parseValidateOutput(result.exitCode, result.stdout, result.stderr);
    const structured = { file: relative(ctx.workspace.root, file), mode: args.mode, valid: result.exitCode === 0, ...report };
    const text = structured.valid
      ? `${structured.file} is valid for ${args.mode} mode${report.warnings.length ? ` (warnings: ${report.warnings.join("; ")})` : ""}.`
      : `${structured.file} is NOT valid for ${args.mode} mode:\n${report.errors.map((e) => `- ${e}`).join("\n")}`;
    return { structured, text };
  },
});
