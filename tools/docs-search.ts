// docs-search: the official Talos / Omni docs (live from the docs site's own search, or from the
// offline index), for the right Talos version, with links.
import { z } from "zod";
import { ToolError } from "../src/server/errors.js";
import { defineTool, type ToolContext } from "../src/server/tool-spec.js";
import { resolveTarget } from "../src/talos/targets.js";
import { DEFAULT_DOCS_VERSION, docsService } from "../src/docs/service.js";
import { PRODUCTS } from "../src/docs/products.js";

/**
 * The Talos minor the current talosconfig context's nodes run, when there is one and it answers
 * quickly; the docs should match the cluster, not the client.
 */
async function clusterDocsVersion(ctx: ToolContext): Promise<string | undefined> {
  try {
    const target = await resolveTarget({}, ctx);
    const node = target.context.nodes[0] ?? target.context.endpoints[0];
    if (!node || target.context.omni) return undefined;
    const result = await ctx.cli.run("talosctl", ["version", "--short"], { target: { ...target.cli, nodes: [node] }, timeoutMs: 5_000 });
    return /Server:[\s\S]*?Tag:\s+(v\d+\.\d+)\./.exec(result.stdout)?.[1];
  } catch {
    return undefined;
  }
}

export default defineTool({
  name: "docs-search",
  title: "Search the Talos and Omni docs",
  description:
    "Search the official Talos and Omni documentation (live, or the offline index) for ranked passages with links.",
  toolset: "docs",
  risk: "read",
  minRole: "none",
  openWorld: true,
  untrustedSource: "documentation pages (docs search)",
  idempotent: true,
  rules: ["real-commands-only"],
  timeoutMs: 30_000,
  input: z
    .object({
      query: z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters: ask a shorter question").describe("What to look up, e.g. 'bootstrap etcd'."),
      version: z.string().regex(/^v\d+\.\d+$/, "must be a Talos minor version like v1.12").optional().describe(`Talos docs version (default ${DEFAULT_DOCS_VERSION}).`),
      product: z.enum(PRODUCTS).optional().describe("Only this product."),
      limit: z.number().int().min(1).max(20).default(8).describe("How many results."),
    })
    .strict(),
  output: z.object({
    results: z.array(z.object({ title: z.string(), url: z.string(), version: z.string().optional(), product: z.string(), excerpt: z.string() })),
    source: z.enum(["live", "offline"]),
    note: z.string().optional(),
  }),
  async run(args, ctx) {
    const docs = docsService(ctx.config);
    const version = args.version ?? (args.product === "omni" || args.product === "kubernetes-guides" ? undefined : ((await clusterDocsVersion(ctx)) ?? DEFAULT_DOCS_VERSION));
    if (version) {
      const known = await docs.versions();
      if (!known.includes(version)) throw new ToolError(`unknown docs version ${version}`, { field: "version", next: `use one of: ${known.join(", ")}` });
    }
    const outcome = await docs.search({ query: args.query, version, product: args.product, limit: args.limit }).catch((error: Error) => {
      throw new ToolError(error.message, { next: "retry later, or configure an offline index (talos-mcp docs index)" });
    });
    const text = [
      ...(outcome.note ? [`(${outcome.note})`] : []),
      ...outcome.results.map((r, i) => `${i + 1}. ${r.title}${r.version ? ` [${r.version}]` : ""}\n   ${r.url}\n   ${r.excerpt}`),
    ].join("\n") || "No results.";
    return { structured: { ...outcome }, text };
  },
});
