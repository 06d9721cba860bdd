// etcd-status: etcd membership and per-member status (talosctl etcd members + etcd status).
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { talos } from "../src/talos/live.js";
import { parseTable } from "../src/talos/outputs.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "etcd-status",
  title: "etcd members and status",
  description:
    "Show etcd members and status (DB size, leader, errors). Check quorum before reboots and upgrades.",
  toolset: "etcd",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "etcd state the nodes report (talosctl etcd)",
  idempotent: true,
  rules: ["quorum"],
  input: z.object({ ...targetFields, nodes: nodeList(9).describe("Control-plane nodes.") }).strict(),
  output: z.object({ members: z.array(z.record(z.string(), z.string())), status: z.array(z.record(z.string(), z.string())) }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const members = await talos(ctx, target, ["etcd", "members"], args.nodes.slice(0, 1), "talosctl etcd members");
    const status = await talos(ctx, target, ["etcd", "status"], args.nodes, "talosctl etcd status");
    const structured = {
      members: parseTable(members.stdout, { what: "talosctl etcd members", columns: ["ID", "HOSTNAME"] }),
      status: parseTable(status.stdout, { what: "talosctl etcd status", columns: ["MEMBER", "DB SIZE"] }),
    };
    return { structured, text: `${members.stdout.trim()}\n\n${status.stdout.trim()}` };
  },
});
