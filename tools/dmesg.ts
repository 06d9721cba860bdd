// dmesg: the kernel log of one node (talosctl dmesg), last N lines.
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { untrustedLines, untrustedLinesSchema } from "../src/server/untrusted.js";
import { talos } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "dmesg",
  title: "Kernel log",
  description:
    "Tail a node's kernel log (talosctl dmesg).",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "the node's kernel log (talosctl dmesg)",
  idempotent: true,
  rules: ["no-ssh"],
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1),
      tail: z.number().int().min(1).max(5000).default(300).describe("Lines from the end."),
      grep: z.string().max(200).optional().describe("Only lines containing this text (case-insensitive)."),
    })
    .strict(),
  output: z.object({ node: z.string(), log: untrustedLinesSchema, totalLines: z.number(), truncated: z.boolean() }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const result = await talos(ctx, target, ["dmesg"], args.nodes, "talosctl dmesg");
    const needle = args.grep?.toLowerCase();
    const all = result.stdout.split("\n").filter((line) => line !== "" && (!needle || line.toLowerCase().includes(needle)));
    const lines = all.slice(-args.tail);
    const structured = { node: args.nodes[0]!, log: untrustedLines(`kernel log of ${args.nodes[0]!}`, lines), totalLines: all.length, truncated: result.truncated || all.length > lines.length };
    return { structured, text: lines.join("\n") || "(no matching lines)" };
  },
});
