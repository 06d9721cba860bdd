// apply: send a machine config to nodes (talosctl apply-config). In maintenance mode (a freshly
// booted node) `insecure: true` installs Talos; afterwards the dry-run diff is part of the plan.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { ToolError } from "../src/server/errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool, type CliTarget, type ToolContext } from "../src/server/tool-spec.js";
import { summariseMachineConfig } from "../src/talos/cluster-files.js";
import { assertNotOmniManaged } from "../src/talos/live-checks.js";
import { nodeTargetsSummary, withHeartbeat } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

const MODES = ["auto", "no-reboot", "reboot", "staged", "try"] as const;

const MODE_IMPACT: Record<(typeof MODES)[number], string> = {
  auto: "--mode=auto: applied without a reboot when the change allows it, otherwise the node reboots",
  "no-reboot": "--mode=no-reboot: applied without a reboot; refused by the node if the change needs one",
  reboot: "--mode=reboot: the node reboots to apply the config",
  staged: "--mode=staged: stored now, applied at the next reboot",
  try: "--mode=try: applied for a trial period, then rolled back unless confirmed",
};

const input = z
  .object({
    ...targetFields,
    nodes: nodeList(10),
    file: workspacePath.describe("Machine config to apply, e.g. demo/controlplane.yaml."),
    insecure: z.boolean().optional().describe("Nodes in maintenance mode (fresh boot, no config): apply over the maintenance API."),
    mode: z.enum(MODES).optional().describe("Default auto; not with insecure."),
    waitSeconds: z
      .number()
      .int()
      .min(0)
      .max(1800)
      .default(600)
      .describe("With insecure: seconds to wait for the installed nodes (0: do not wait)."),
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

/** Polls `talosctl version` until every node answers over the authenticated API. */
async function waitForNodes(ctx: ToolContext, cli: CliTarget, nodes: string[], seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await ctx.cli.run("talosctl", ["version", "--short"], { target: { ...cli, nodes }, timeoutMs: 15_000 });
    if (result.exitCode === 0 && nodes.every((node) => result.stdout.includes(node))) return;
    if (ctx.signal.aborted) throw new ToolError("cancelled while waiting for the nodes to reboot");
    if (Date.now() > deadline) {
      throw new ToolError(`the configuration was applied, but not every node answered within ${seconds} s`, {
        cliMessage: result.stderr.trim().split("\n").slice(-3).join("\n"),
        next: "check the nodes' consoles; once they are up, continue (health, bootstrap) — do not re-apply",
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The argv of the apply, shown in the plan as it runs: the mode is always explicit. */
function applyArgs(file: string, args: Input, dryRun: boolean): string[] {
  return ["apply-config", `--file=${file}`, ...(args.insecure ? ["--insecure"] : [`--mode=${args.mode ?? "auto"}`]), ...(dryRun ? ["--dry-run"] : [])];
}

export default defineTool({
  name: "apply",
  title: "Apply machine config",
  description:
    "Send a workspace machine config to nodes (talosctl apply-config); the plan shows the dry-run diff. insecure: true installs nodes in maintenance mode (wipes the install disk). Not for Omni-managed clusters (template-sync).",
  toolset: "talos",
  risk: "mutate",
  minRole: "admin",
  openWorld: true,
  rules: ["destructive-explicit", "omni-reconcile", "no-node-file-edits", "workspace-paths"],
  timeoutMs: 5 * 60_000,
  input,
  async preflight(args, ctx) {
    const target = await resolveTarget(args, ctx);
    // A maintenance-mode apply uses no talosconfig, but a machine Omni lists is still Omni's.
    await assertNotOmniManaged(ctx, args.insecure ? undefined : target, args.nodes);
    if (!args.insecure) requireEndpoints(target);
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
    const installer = summary.installImage ?? "the talosctl default installer image";
    const disk = summary.installDisk ?? "the install disk the node selects";
    const base = {
      commands: args.insecure ? args.nodes.map((node) => ["talosctl", ...applyArgs(args.file, args, false), "--nodes", node]) : [["talosctl", ...applyArgs(args.file, args, false), "--nodes", args.nodes.join(",")]],
      targets: args.nodes,
      preview,
    };
    if (!args.insecure) {
      return {
        ...base,
        summary: `Apply ${args.file} (${role} of cluster ${summary.clusterName ?? "?"}) to ${nodeTargetsSummary(args.nodes)} with --mode=${args.mode ?? "auto"}`,
        impact: [MODE_IMPACT[args.mode ?? "auto"], `the config names installer ${installer} and install disk ${disk} (used by the next install or upgrade)`],
      };
    }
    // Maintenance mode installs Talos: the disk is wiped and the node becomes this config's machine.
    return {
      ...base,
      summary: `INSTALL Talos on ${nodeTargetsSummary(args.nodes)}: wipe ${disk} and install ${installer} as ${role} of cluster ${summary.clusterName ?? "?"} (${args.file})`,
      impact: [`each node wipes ${disk}, installs ${installer} and reboots as a ${role} of cluster ${summary.clusterName ?? "?"}`, "whatever was on that disk is lost"],
      typedConfirmation: args.nodes.join(","),
      destructive: true,
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const { file, role } = await configFacts(args, ctx);
    // In maintenance mode talosctl dials the --nodes as endpoints and reaches only one of them,
    // so each node gets its own call; with a talosconfig the endpoint fans out by itself.
    const calls = args.insecure ? args.nodes.map((node) => ({ nodes: [node] })) : [{ ...target.cli, nodes: args.nodes }];
    let result;
    for (const cliTarget of calls) {
      result = requireSuccess(await ctx.cli.run("talosctl", applyArgs(file, args, false), { target: cliTarget }), `talosctl apply-config (${cliTarget.nodes.join(", ")})`);
    }
    const appliedAt = new Date().toISOString();
    const state = await target.state.update((current) => {
      for (const node of args.nodes) current.nodes[node] = { role, appliedAt };
    });
    if (args.insecure && args.waitSeconds > 0) {
      // The nodes install and reboot; wait until they answer on the Talos API with the new identity.
      const endpoints = Object.entries(state.nodes)
        .filter(([, node]) => node.role === "controlplane")
        .map(([address]) => address);
      await withHeartbeat(ctx, "waiting for the nodes to reboot into the installed system", waitForNodes(ctx, { ...target.cli, endpoints }, args.nodes, args.waitSeconds));
    }
    const message = (result!.stderr.trim() || result!.stdout.trim()).split("\n").slice(-3).join("\n");
    const next = role === "controlplane" ? "when every control-plane node is configured, run bootstrap ONCE on one of them" : "check the node with health";
    return {
      structured: { nodes: args.nodes, role, file: args.file, message, next },
      text: `Applied ${args.file} to ${nodeTargetsSummary(args.nodes)} as ${role}. talosctl: ${message || "ok"}\nNext: ${next}.`,
    };
  },
});
