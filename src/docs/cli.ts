// `talos-mcp docs index --from DIR [--out FILE]` and `talos-mcp docs search QUERY [--index FILE]`.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildIndex, OfflineDocs, writeIndex } from "./offline.js";

const HELP = `Usage:
  talos-mcp docs index --from DOCS_CLONE [--out FILE]   build the offline index from a clone of the docs repository
  talos-mcp docs search QUERY [--index FILE] [--version v1.12] [--product talos|omni|kubernetes-guides]
Default index file: $XDG_STATE_HOME/talos-mcp/docs-index.json (serve reads it with --docs offline|auto,
or from --docs-index FILE).
`;

export function defaultIndexFile(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.TALOS_MCP_STATE_DIR ?? join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "talos-mcp");
  return join(state, "docs-index.json");
}

export async function runDocsCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const fail = (message: string) => (process.stderr.write(`talos-mcp docs: ${message}\n`), 2);
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { from: { type: "string" }, out: { type: "string" }, index: { type: "string" }, version: { type: "string" }, product: { type: "string" }, limit: { type: "string" } },
    });
  } catch (error) {
    return fail(`${(error as Error).message} (see talos-mcp docs --help)`);
  }
  const { values, positionals } = parsed;
  if (command === "index") {
    if (!values.from) return fail("--from DOCS_CLONE is required");
    const out = resolve(values.out ?? defaultIndexFile());
    const started = Date.now();
    const index = await buildIndex(resolve(values.from));
    await writeIndex(index, out);
    process.stdout.write(`indexed ${index.entries.length} sections (${index.versions.join(", ") || "no Talos versions"}) into ${out} in ${Date.now() - started} ms\n`);
    return 0;
  }
  if (command === "search") {
    const query = positionals.join(" ").trim();
    if (!query) return fail("a QUERY is required");
    const docs = await OfflineDocs.load(resolve(values.index ?? defaultIndexFile()));
    const product = values.product as "talos" | "omni" | "kubernetes-guides" | undefined;
    for (const result of docs.query(query, { version: values.version, product, limit: Number(values.limit ?? 8) })) {
      process.stdout.write(`${result.title}\n  ${result.url}\n  ${result.excerpt}\n`);
    }
    return 0;
  }
  return fail(`unknown command '${command}' (see talos-mcp docs --help)`);
}
