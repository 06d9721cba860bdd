// version: the Talos version each node runs (talosctl version).
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { talos } from "../src/talos/live.js";
import { parseVersionOutput } from "../src/talos/outputs.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "version",
  title: "Talos version of nodes",
  description:
    "Show the Talos version of each node and of talosctl. Check before an upgrade.",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "versions the nodes report (talosctl version)",
  idempotent: true,
  rules: [],
  input: z.object({ ...targetFields, nodes: nodeList(50) }).strict(),
  output: z.object({
    client: z.string().optional(),
    nodes: z.array(z.object({ node: z.string(), tag: z.string().optional(), sha: z.string().optional(), osArch: z.string().optional(), features: z.string().optional() })),
  }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const result = await talos(ctx, target, ["version"], args.nodes, "talosctl version");
    const parsed = parseVersionOutput(result.stdout);
    return { structured: parsed, text: parsed.nodes.map((n) => `${n.node}: Talos ${n.tag ?? "?"}`).join("\n") || result.stdout };
  },
});
