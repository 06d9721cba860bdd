// services: Talos service states (talosctl service [id]) — the API-driven replacement for systemctl.
import { z } from "zod";
import { defineTool } from "../src/server/tool-spec.js";
import { talos } from "../src/talos/live.js";
import { parseServiceInfo, parseTable } from "../src/talos/outputs.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "services",
  title: "Talos services",
  description:
    "List Talos services with state and health (talosctl service), or one with its events. Talos has no systemd.",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "service states the nodes report (talosctl service)",
  idempotent: true,
  rules: ["no-cert-systemd-changes"],
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(50),
      service: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, "must be a service id like etcd, kubelet, apid").optional().describe("One service id, for its events."),
    })
    .strict(),
  output: z.object({
    services: z.array(z.object({ node: z.string().optional(), id: z.string(), state: z.string(), health: z.string(), lastEvent: z.string().optional(), events: z.array(z.string()).optional() })),
  }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const result = await talos(ctx, target, ["service", ...(args.service ? [args.service] : [])], args.nodes, "talosctl service");
    const services = args.service
      ? parseServiceInfo(result.stdout).map(({ node, id, state, health, events }) => ({ node, id, state, health, events }))
      : parseTable(result.stdout).map((row) => ({ node: row.NODE, id: row.SERVICE ?? "", state: row.STATE ?? "", health: row.HEALTH ?? "", lastEvent: row["LAST EVENT"] }));
    return { structured: { services }, text: result.stdout.trim() };
  },
});
