// etcd-backup: an etcd snapshot (talosctl etcd snapshot) into <workspace>/backups/, with path,
// size and sha256. The skill's `talosctl etcd backup` does not exist; this is the real command.
import { join } from "node:path";
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { storeInWorkspace, talos, withHeartbeat } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "etcd-backup",
  title: "Back up etcd",
  description:
    "Snapshot etcd from one control-plane node (talosctl etcd snapshot) into backups/ in the workspace; returns path and sha256.",
  toolset: "etcd",
  risk: "local-write",
  minRole: "etcd:backup",
  openWorld: true,
  idempotent: false,
  rules: ["real-commands-only", "workspace-paths"],
  timeoutMs: 10 * 60_000,
  input: z.object({ ...targetFields, nodes: nodeList(1).describe("One control-plane node running etcd.") }).strict(),
  output: z.object({ path: z.string(), bytes: z.number(), sha256: z.string(), node: z.string(), takenAt: z.string() }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const takenAt = new Date().toISOString();
    const name = `${(args.cluster ?? target.id.replace(/^context:/, "")).replace(/[^A-Za-z0-9_.-]/g, "_")}-${takenAt.replace(/[:.]/g, "-")}.snapshot`;
    const destination = await ctx.workspace.resolve(join("backups", name), "cluster");
    const stored = await ctx.workspace.withScratchDir(async (scratch) => {
      const file = join(scratch, "etcd.snapshot");
      await withHeartbeat(ctx, "etcd snapshot", talos(ctx, target, ["etcd", "snapshot", file], args.nodes, "talosctl etcd snapshot"));
      return storeInWorkspace(ctx, file, destination);
    });
    const structured = { ...stored, node: args.nodes[0]!, takenAt };
    return { structured, text: `Saved etcd snapshot ${stored.path} (${stored.bytes} bytes, sha256 ${stored.sha256}) from ${structured.node}. Copy it off-cluster.` };
  },
});
