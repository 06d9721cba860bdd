// logs: the tail of a Talos service's log on one node (talosctl logs) — never SSH.
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { untrustedLines, untrustedLinesSchema } from "../src/server/untrusted.js";
import { talos } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "logs",
  title: "Service logs",
  description:
    "Tail a Talos service's log (talosctl logs), or a Kubernetes container's. Use instead of SSH or journalctl.",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "node logs (talosctl logs)",
  idempotent: true,
  rules: ["no-ssh"],
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1),
      service: z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,127}$/, "must be a service or container id like etcd or kubelet").describe("Service (or container) id, e.g. etcd, kubelet, apid."),
      tail: z.number().int().min(1).max(2000).default(200).describe("Lines from the end."),
      kubernetes: z.boolean().optional().describe("service is a container in the k8s.io namespace."),
    })
    .strict(),
  output: z.object({ node: z.string(), service: z.string(), log: untrustedLinesSchema, truncated: z.boolean() }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const result = await talos(ctx, target, ["logs", args.service, `--tail=${args.tail}`, ...(args.kubernetes ? ["--kubernetes"] : [])], args.nodes, `talosctl logs ${args.service}`);
    const lines = result.stdout.split("\n").filter((line) => line !== "");
    const structured = { node: args.nodes[0]!, service: args.service, log: untrustedLines(`${args.service} log of ${args.nodes[0]!}`, lines), truncated: result.truncated };
    return { structured, text: lines.join("\n") || "(no log lines)" };
  },
});
