// reboot: one node per call, refused when it would cost etcd quorum.
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { defineTool } from "../src/server/tool-spec.js";
import { preflightTakingNodeDown } from "../src/talos/live-checks.js";
import { withHeartbeat } from "../src/talos/live.js";
import { nodeList, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "reboot",
  title: "Reboot a node",
  description:
    "Reboot ONE node (talosctl reboot); refused if it would lose etcd quorum.",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "operator",
  openWorld: true,
  rules: ["quorum", "destructive-explicit", "omni-reconcile"],
  timeoutMs: 20 * 60_000,
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1).describe("The ONE node."),
      mode: z.enum(["default", "powercycle"]).optional().describe("default (kexec when possible) or powercycle."),
      wait: z.boolean().optional().describe("Wait until the node is back."),
    })
    .strict(),
  async preflight(args, ctx) {
    await preflightTakingNodeDown(args, ctx, "rebooting");
  },
  async plan(args) {
    const node = args.nodes[0]!;
    return { summary: `Reboot ${node}`, commands: [["talosctl", "reboot", "--nodes", node]], targets: [node], impact: [`${node} is unavailable until it boots again`] };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const node = args.nodes[0]!;
    const run = ctx.cli.run("talosctl", ["reboot", ...(args.mode ? [`--mode=${args.mode}`] : []), `--wait=${args.wait ?? false}`], { target: { ...target.cli, nodes: [node] } });
    requireSuccess(await withHeartbeat(ctx, `reboot ${node}`, run), "talosctl reboot");
    return { structured: { node, rebooted: true }, text: `Rebooted ${node}.${args.wait ? " It is back." : " Check it with health before the next node."}` };
  },
});
