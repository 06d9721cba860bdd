// etcd-restore: recover etcd from a snapshot in the workspace (talosctl bootstrap --recover-from),
// only when no control-plane node has a healthy etcd, with the node typed back. The skill's
// `talosctl etcd restore` does not exist; this is the real command.
import { z } from "zod";
import { PolicyDenied } from "../src/server/errors.js";
import { requireSuccess } from "../src/server/cli-errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { describeMachine } from "../src/talos/identity.js";
import { assertNotOmniManaged, controlPlaneMachines, machineEtcdEvidence } from "../src/talos/live-checks.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "etcd-restore",
  title: "Restore etcd from a snapshot",
  description:
    "Disaster recovery: bootstrap ONE control-plane node from a workspace etcd snapshot (talosctl bootstrap --recover-from), only when no control plane has a healthy etcd.",
  toolset: "etcd",
  risk: "irreversible",
  minRole: "admin",
  openWorld: true,
  rules: ["bootstrap-once", "destructive-explicit", "omni-reconcile", "workspace-paths"],
  timeoutMs: 10 * 60_000,
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1).describe("The ONE control-plane node."),
      snapshot: workspacePath.describe("Snapshot file, e.g. backups/demo-….snapshot."),
    })
    .strict(),
  async preflight(args, ctx) {
    const target = await resolveTarget(args, ctx);
    await assertNotOmniManaged(ctx, target, args.nodes);
    requireEndpoints(target);
    await ctx.workspace.resolve(args.snapshot, "snapshot");
    const node = args.nodes[0]!;
    const { machines } = await controlPlaneMachines(ctx, target, node);
    const healthy = (await machineEtcdEvidence(ctx, target, machines)).filter((item) => item.up);
    if (healthy.length > 0) {
      throw new PolicyDenied(
        "bootstrap-once",
        `etcd is healthy on ${healthy.map((item) => describeMachine(item.machine)).join(", ")}: a restore would fork the cluster's state`,
        "restore only after losing etcd quorum for good (every control-plane etcd down or reset); use etcd-status to check",
      );
    }
  },
  async plan(args) {
    const node = args.nodes[0]!;
    return {
      summary: `Restore etcd on ${node} from ${args.snapshot}`,
      commands: [["talosctl", "bootstrap", `--recover-from=${args.snapshot}`, "--nodes", node]],
      targets: [node],
      impact: [
        `etcd on ${node} is recreated from ${args.snapshot} (bound to this plan by its sha256); changes after the snapshot are lost`,
        "the other control-plane nodes must be reset and rejoin",
        "irreversible: the cluster's etcd history now starts from this snapshot",
      ],
      typedConfirmation: node,
      destructive: true,
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const node = args.nodes[0]!;
    const snapshot = await ctx.workspace.resolve(args.snapshot, "snapshot");
    requireSuccess(await ctx.cli.run("talosctl", ["bootstrap", `--recover-from=${snapshot}`], { target: { ...target.cli, nodes: [node] } }), "talosctl bootstrap --recover-from");
    const at = new Date().toISOString();
    await target.state.update((state) => void state.bootstraps.push({ node, at, outcome: "recovered" }));
    return { structured: { node, snapshot: args.snapshot, recoveredAt: at }, text: `Recovered etcd on ${node} from ${args.snapshot}. Check health; rejoin the other control planes.` };
  },
});
