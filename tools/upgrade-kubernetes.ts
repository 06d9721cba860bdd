// upgrade-kubernetes: talosctl upgrade-k8s through one control-plane node; the plan carries the
// dry-run's upgrade plan.
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { kubernetesVersion } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { assertNotOmniManaged } from "../src/talos/live-checks.js";
import { withHeartbeat } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "upgrade-kubernetes",
  title: "Upgrade Kubernetes",
  description:
    "Upgrade the cluster's Kubernetes (talosctl upgrade-k8s) through one control-plane node; the plan shows the dry run. No kubeadm.",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "admin",
  openWorld: true,
  rules: ["no-kubeadm", "destructive-explicit", "omni-reconcile"],
  timeoutMs: 60 * 60_000,
  input: z.object({ ...targetFields, nodes: nodeList(1).describe("One control-plane node."), to: kubernetesVersion.describe("Target version, e.g. 1.35.2.") }).strict(),
  async preflight(args, ctx) {
    const target = await resolveTarget(args, ctx);
    await assertNotOmniManaged(ctx, target, args.nodes);
    requireEndpoints(target);
  },
  async plan(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const dry = requireSuccess(await ctx.cli.run("talosctl", ["upgrade-k8s", `--to=${args.to}`, "--dry-run"], { target: { ...target.cli, nodes: args.nodes } }), "talosctl upgrade-k8s --dry-run");
    return {
      summary: `Upgrade Kubernetes to ${args.to}`,
      commands: [["talosctl", "upgrade-k8s", `--to=${args.to}`, "--nodes", args.nodes[0]!]],
      targets: args.nodes,
      impact: ["control-plane components and kubelets restart one by one"],
      preview: `${dry.stdout}${dry.stderr}`.trim(),
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const run = ctx.cli.run("talosctl", ["upgrade-k8s", `--to=${args.to}`], { target: { ...target.cli, nodes: args.nodes } });
    const result = requireSuccess(await withHeartbeat(ctx, "upgrade-k8s", run), "talosctl upgrade-k8s");
    return { structured: { to: args.to }, text: `Kubernetes upgraded to ${args.to}.\n${result.stderr.trim().split("\n").slice(-5).join("\n")}` };
  },
});
