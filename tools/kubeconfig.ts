// kubeconfig: fetch the cluster's admin kubeconfig into the workspace (0600); returns its path,
// size and sha256, never its contents.
import { join } from "node:path";
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { storeInWorkspace, talos } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "kubeconfig",
  title: "Fetch kubeconfig",
  description:
    "Fetch the admin kubeconfig (talosctl kubeconfig) into <cluster>/kubeconfig in the workspace; returns its path, never the contents.",
  toolset: "talos",
  risk: "local-write",
  minRole: "admin",
  openWorld: true,
  idempotent: true,
  rules: ["workspace-paths"],
  input: z.object({ ...targetFields, nodes: nodeList(1).describe("One control-plane node.") }).strict(),
  output: z.object({ path: z.string(), bytes: z.number(), sha256: z.string() }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const folder = args.cluster ?? target.id.replace(/^context:/, "contexts/");
    const destination = await ctx.workspace.resolve(join(folder, "kubeconfig"), "cluster");
    const stored = await ctx.workspace.withScratchDir(async (scratch) => {
      const file = join(scratch, "kubeconfig");
      await talos(ctx, target, ["kubeconfig", file, "--merge=false", "--force"], args.nodes, "talosctl kubeconfig");
      return storeInWorkspace(ctx, file, destination);
    });
    return { structured: stored, text: `Wrote ${stored.path} (${stored.bytes} bytes, sha256 ${stored.sha256}, mode 0600). Use it with KUBECONFIG=${stored.path}.` };
  },
});
