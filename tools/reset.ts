// reset: wipe ONE node back to maintenance mode (talosctl reset). Destructive: the node name must
// be typed back by the user, and it is refused when it would cost etcd quorum.
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { defineTool } from "../src/server/tool-spec.js";
import { preflightTakingNodeDown } from "../src/talos/live-checks.js";
import { nodeList, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "reset",
  title: "Reset (wipe) a node",
  description:
    "DESTRUCTIVE: wipe ONE node back to maintenance mode (talosctl reset). Refused if it would lose etcd quorum.",
  toolset: "lifecycle",
  risk: "destructive",
  minRole: "admin",
  openWorld: true,
  rules: ["destructive-explicit", "quorum", "omni-reconcile"],
  timeoutMs: 20 * 60_000,
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1).describe("The ONE node."),
      graceful: z.boolean().default(true).describe("Cordon/drain and leave etcd first."),
      reboot: z.boolean().default(true).describe("Reboot into maintenance mode (false: power off)."),
      wipeMode: z.enum(["all", "system-disk", "user-disks"]).optional().describe("What to wipe (default all)."),
    })
    .strict(),
  async preflight(args, ctx) {
    await preflightTakingNodeDown(args, ctx, "resetting");
  },
  async plan(args) {
    const node = args.nodes[0]!;
    return {
      summary: `WIPE ${node} (talosctl reset${args.graceful ? ", graceful" : ""})`,
      commands: [["talosctl", "reset", `--graceful=${args.graceful}`, `--reboot=${args.reboot}`, ...(args.wipeMode ? [`--wipe-mode=${args.wipeMode}`] : []), "--nodes", node]],
      targets: [node],
      impact: [`${node} loses its data and configuration${args.graceful ? " and leaves etcd" : ""}`, args.reboot ? "it reboots into maintenance mode" : "it powers off"],
      typedConfirmation: node,
      destructive: true,
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const node = args.nodes[0]!;
    requireSuccess(
      await ctx.cli.run("talosctl", ["reset", `--graceful=${args.graceful}`, `--reboot=${args.reboot}`, ...(args.wipeMode ? [`--wipe-mode=${args.wipeMode}`] : []), "--wait=false"], {
        target: { ...target.cli, nodes: [node] },
      }),
      "talosctl reset",
    );
    await target.state.update((state) => void delete state.nodes[node]);
    return { structured: { node, reset: true }, text: `Reset ${node}: it is back in maintenance mode${args.reboot ? "" : " (powered off)"}.` };
  },
});
