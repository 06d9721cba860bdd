// upgrade: Talos on ONE node per call (talosctl upgrade), at most one minor version per step,
// never when taking the node down would lose etcd quorum.
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { ToolError } from "../src/server/errors.js";
import { imageReference } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { assertOneMinorStep, nodeTalosVersion, preflightTakingNodeDown } from "../src/talos/live-checks.js";
import { withHeartbeat } from "../src/talos/live.js";
import { nodeList, resolveTarget, targetFields } from "../src/talos/targets.js";

function imageVersion(image: string): string {
  const tag = /:(v\d+\.\d+\.\d+[^@]*)$/.exec(image)?.[1];
  if (!tag) throw new ToolError(`the installer image must carry a Talos version tag like :v1.12.6 (${image})`, { field: "image" });
  return tag;
}

/** The argv the upgrade runs with, shown in the plan as it runs: every flag that decides the outcome. */
function upgradeArgs(args: { image: string; stage?: boolean; rebootMode?: string; force?: boolean; wait?: boolean }): string[] {
  return [
    "upgrade",
    `--image=${args.image}`,
    ...(args.stage ? ["--stage"] : []),
    `--reboot-mode=${args.rebootMode ?? "default"}`,
    ...(args.force ? ["--force"] : []),
    `--wait=${args.wait ?? false}`,
  ];
}

export default defineTool({
  name: "upgrade",
  title: "Upgrade Talos on one node",
  description:
    "Upgrade Talos on ONE node (talosctl upgrade): one minor version per step, control planes first, health in between. Refused if it would lose etcd quorum.",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "admin",
  openWorld: true,
  rules: ["one-minor-step", "quorum", "destructive-explicit", "omni-reconcile"],
  timeoutMs: 35 * 60_000,
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1).describe("The ONE node to upgrade."),
      image: imageReference.describe("Installer image of the target version, e.g. ghcr.io/siderolabs/installer:v1.12.6."),
      stage: z.boolean().optional().describe("Stage it for the next reboot."),
      rebootMode: z.enum(["default", "powercycle"]).optional().describe("Reboot mode."),
      force: z.boolean().optional().describe("Skip etcd health checks (destructive: may lose data; typed confirmation)."),
      wait: z.boolean().optional().describe("Wait until it finishes."),
    })
    .strict(),
  async preflight(args, ctx) {
    const target = await preflightTakingNodeDown(args, ctx, "upgrading");
    assertOneMinorStep(await nodeTalosVersion(ctx, target, args.nodes[0]!), imageVersion(args.image));
  },
  async plan(args) {
    const node = args.nodes[0]!;
    return {
      summary: `Upgrade ${node} to ${imageVersion(args.image)} with installer ${args.image}${args.stage ? " (staged)" : ""}${args.force ? " with --force" : ""}`,
      commands: [["talosctl", ...upgradeArgs(args), "--nodes", node]],
      targets: [node],
      impact: [
        `${node} ${args.stage ? "stages the upgrade (--stage) and installs it at its next reboot" : "installs the image and reboots into the new version"}`,
        `reboot mode: ${args.rebootMode ?? "default"}${args.rebootMode === "powercycle" ? " (a full power cycle instead of kexec)" : ""}`,
        ...(args.force ? ["--force skips etcd safety checks: data loss is possible"] : []),
      ],
      ...(args.force ? { typedConfirmation: node, destructive: true } : {}),
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const node = args.nodes[0]!;
    const run = ctx.cli.run("talosctl", upgradeArgs(args), { target: { ...target.cli, nodes: [node] } });
    const result = requireSuccess(await withHeartbeat(ctx, `upgrade ${node}`, run), "talosctl upgrade");
    const message = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-3).join("\n");
    return { structured: { node, image: args.image, message }, text: `Upgrade of ${node} to ${args.image} accepted. ${message}\nNext: wait for the node, run health, then the next node.` };
  },
});
