// get: `talosctl get <type> -o json` for an allowlisted resource type, parsed from the JSON stream.
import { z } from "zod";
import { PolicyDenied } from "../src/server/errors.js";
import { defineTool } from "../src/server/tool-spec.js";
import { talos } from "../src/talos/live.js";
import { parseJsonStream } from "../src/talos/outputs.js";
import { RESOURCE_TYPE_NAMES, RESOURCE_TYPES } from "../src/talos/resource-types.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

const MAX_RESOURCES = 500;

export default defineTool({
  name: "get",
  title: "Get Talos resources",
  description:
    "Read Talos resources from nodes (talosctl get). Sensitive types need the admin role and come back redacted.",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "resources the nodes report (talosctl get)",
  idempotent: true,
  rules: ["role-ceiling"],
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(50),
      type: z.enum(RESOURCE_TYPE_NAMES).describe("Resource type."),
      id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,252}$/, "must be a resource id").optional().describe("One resource id."),
      reveal: z.boolean().optional().describe("Admins, if the operator set allowReveal: Sensitive resources unredacted."),
    })
    .strict(),
  output: z.object({
    type: z.string(),
    resources: z.array(z.object({ node: z.string().optional(), namespace: z.string().optional(), id: z.string().optional(), version: z.unknown().optional(), spec: z.unknown() })),
    truncated: z.boolean(),
  }),
  async run(args, ctx) {
    const sensitive = RESOURCE_TYPES[args.type].sensitive;
    if (sensitive && ctx.effectiveRole !== "admin") {
      throw new PolicyDenied("role-ceiling", `${args.type} is a Sensitive resource (it holds secrets) and needs the admin role`, "read a non-sensitive type, or ask an admin");
    }
    if (args.reveal && !ctx.config.allowReveal) {
      throw new PolicyDenied("role-ceiling", "reveal is disabled on this server: Sensitive resources come back redacted", "leave out reveal, or have the operator set allowReveal: true in the server config");
    }
    const reveal = sensitive && args.reveal === true;
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const result = await talos(ctx, target, ["get", args.type, ...(args.id ? [args.id] : []), "--output", "json"], args.nodes, `talosctl get ${args.type}`);
    const items = parseJsonStream(result.stdout, `talosctl get ${args.type}`) as { node?: string; metadata?: Record<string, unknown>; spec?: unknown }[];
    const resources = items.slice(0, MAX_RESOURCES).map((item) => ({
      node: item.node,
      namespace: item.metadata?.namespace as string | undefined,
      id: item.metadata?.id as string | undefined,
      version: item.metadata?.version,
      spec: sensitive && !reveal ? "[REDACTED:sensitive-resource]" : item.spec,
    }));
    const truncated = items.length > MAX_RESOURCES || result.truncated;
    const structured = { type: args.type, resources, truncated };
    const text = `${resources.length} ${args.type} resource(s)${truncated ? " (truncated: narrow with id or fewer nodes)" : ""}\n${JSON.stringify(resources, null, 2)}`;
    return { structured, text, reveal };
  },
});
