// apply: send a machine config to nodes (talosctl apply-config). In maintenance mode (a freshly
// booted node) `insecure: true` installs Talos; afterwards the dry-run diff is part of the plan.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { ToolError } from "../src/server/errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool, type ToolContext } from "../src/server/tool-spec.js";
import { summariseMachineConfig } from "../src/talos/cluster-files.js";
import { assertNotOmniManaged } from "../src/talos/live-checks.js";
import { nodeTargetsSummary } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

const MODES = ["auto", "no-reboot", "reboot", "staged", "try"] as const;

const input = z
  .object({
    ...targetFields,
    nodes: nodeList(10),
    file: workspacePath.describe("Machine config to apply, e.g. demo/controlplane.yaml."),
    insecure: z.boolean().optional().describe("The node is in maintenance mode (fresh boot, no config yet): apply over the maintenance API."),
    mode: z.enum(MODES).optional().describe("auto (default), no-reboot, reboot, staged, try (not in maintenance mode)."),
  })
  .strict();

type Input = z.infer<typeof input>;

async function configFacts(args: Input, ctx: ToolContext) {
  const file = await ctx.workspace.resolve(args.file, "file");
  const text = await readFile(file, "utf8").catch(() => {
    throw new ToolError(`file ${args.file} cannot be read`, { field: "file", next: "give a machine config in the workspace (gen-config, patch-config)" });
  });
  const summary = summariseMachineConfig(text);
  if (summary.type !== "controlplane" && summary.type !== "worker" && summary.type !== "init") {
    throw new ToolError(`${args.file} is not a Talos machine config (no machine.type)`, { field: "file" });
  }
  if (args.insecure && args.mode) throw new ToolError("mode cannot be set in maintenance mode (insecure)", { field: "mode" });
  return { file, summary, role: summary.type === "worker" ? ("worker" as const) : ("controlplane" as const) };
}

function applyArgs(file: string, args: Input, dryRun: boolean): string[] {
  return ["apply-config", `--file=${file}`, ...(args.insecure ? ["--insecure"] : []), ...(args.mode ? [`--mode=${args.mode}`] : []), ...(dryRun ? ["--dry-run"] : [])];
}

export default defineTool({
  name: "apply",
  title: "Apply machine config",
  description:
    "Apply a machine config from the workspace to nodes (talosctl apply-config). insecure: true for nodes in maintenance mode (first install); otherwise the plan includes talosctl's dry-run diff. Every node must be named. Refused on Omni-managed clusters (use template-sync).",
  toolset: "talos",
  risk: "mutate",
  minRole: "admin",
  openWorld: true,
  rules: ["destructive-explicit", "omni-reconcile", "no-node-file-edits", "workspace-paths"],
  timeoutMs: 5 * 60_000,
  input,
  async preflight(args, ctx) {
    const target = await resolveTarget(args, ctx);
    if (!args.insecure) {
      assertNotOmniManaged(target);
      requireEndpoints(target);
    }
    await configFacts(args, ctx);
  },
  async plan(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const { file, summary, role } = await configFacts(args, ctx);
    let preview: string | undefined;
    if (!args.insecure) {
      const dry = await ctx.cli.run("talosctl", applyArgs(file, args, true), { target: { ...target.cli, nodes: args.nodes } });
      preview = requireSuccess(dry, "talosctl apply-config --dry-run").stderr.trim() || dry.stdout.trim();
    }
    return {
      summary: `Apply ${args.file} (${role} of cluster ${summary.clusterName ?? "?"}) to ${nodeTargetsSummary(args.nodes)}`,
      commands: [["talosctl", ...applyArgs(args.file, args, false), "--nodes", args.nodes.join(",")]],
      targets: args.nodes,
      impact: args.insecure
        ? [`each node installs Talos to ${summary.installDisk ?? "its install disk"} (wiping it) and reboots as a ${role}`]
        : [`mode ${args.mode ?? "auto"}: talosctl applies without a reboot when it can, else the node reboots`],
      preview,
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const { file, role } = await configFacts(args, ctx);
    const cliTarget = args.insecure ? { nodes: args.nodes } : { ...target.cli, nodes: args.nodes };
    const result = requireSuccess(await ctx.cli.run("talosctl", applyArgs(file, args, false), { target: cliTarget }), "talosctl apply-config");
    const appliedAt = new Date().toISOString();
    await target.state.update((state) => {
      for (const node of args.nodes) state.nodes[node] = { role, appliedAt };
    });
    const message = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-3).join("\n");
    const next = role === "controlplane" ? "when every control-plane node is configured, run bootstrap ONCE on one of them" : "check the node with health";
    return {
      structured: { nodes: args.nodes, role, file: args.file, message, next },
      text: `Applied ${args.file} to ${nodeTargetsSummary(args.nodes)} as ${role}. talosctl: ${message || "ok"}\nNext: ${next}.`,
    };
  },
});
