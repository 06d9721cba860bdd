// omni-get: read Omni resources (clusters, machines, machine sets, cluster status) as parsed JSON.
import { z } from "zod";
import { OMNI_GET_TYPES, type OmniGetType } from "../src/omni/get.js";
import { LABEL_SELECTOR } from "../src/omni/label-selector.js";
import { parseJsonStream } from "../src/talos/outputs.js";
import { runOmnictl } from "../src/omni/run.js";
import { defineTool } from "../src/server/tool-spec.js";

const types = Object.keys(OMNI_GET_TYPES) as [OmniGetType, ...OmniGetType[]];

export default defineTool({
  name: "omni-get",
  title: "Read Omni resources",
  description:
    "Read Omni resources (omnictl get): clusters, machines, machine sets, cluster status.",
  toolset: "omni",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "Omni resources (omnictl get)",
  idempotent: true,
  rules: [],
  input: z
    .object({
      type: z.enum(types).describe("What to read."),
      id: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "an Omni resource ID: letters, digits, '.', '-', '_'").optional().describe("One resource ID (cluster name, machine UUID)."),
      selector: z
        .string()
        .max(256)
        // Label terms in the Kubernetes syntax (src/omni/label-selector.ts): never a path or a flag.
        .regex(LABEL_SELECTOR, "a label selector: comma-separated key, !key, key=value or key!=value terms, such as omni.sidero.dev/cluster=demo")
        .optional()
        .describe("Label selector, e.g. omni.sidero.dev/cluster=demo."),
    })
    .strict(),
  output: z.object({ type: z.string(), resources: z.array(z.object({ metadata: z.record(z.string(), z.unknown()), spec: z.unknown() }).loose()) }),
  async run(args, ctx) {
    const argv = ["get", OMNI_GET_TYPES[args.type], ...(args.id ? [args.id] : []), "--output=json", ...(args.selector ? [`--selector=${args.selector}`] : [])];
    const result = await runOmnictl(ctx, argv, `omnictl get ${OMNI_GET_TYPES[args.type]}`);
    const resources = parseJsonStream(result.stdout, `omnictl get ${OMNI_GET_TYPES[args.type]}`) as { metadata: Record<string, unknown>; spec: unknown }[];
    const ids = resources.map((r) => String(r.metadata.id));
    return { structured: { type: args.type, resources }, text: `${resources.length} ${args.type}${ids.length ? `: ${ids.join(", ")}` : ""}` };
  },
});
