#!/usr/bin/env node
// The offline docs search on the operator query set (test/docs/relevance.json): index build time,
// size and load time; hit@1 / hit@3; whether the first answer is of the product the question is
// about; and the query time (p50/p95) in-process and over MCP (docs-search through a real
// `talos-mcp serve --docs offline` over stdio), the two alternated query by query in one run.
// Corpus: `--docs DIR` or TALOS_MCP_DOCS_EXPORT=DIR — a full export of the public docs (a clone of
// the docs repository, given by path, never committed; the expected pages are real docs paths, so
// hit@k applies there too) — else the project's fixtures, and the result says so.
// Writes bench/results/docs-relevance.json (fixtures) or docs-relevance-full.json. Run after `npm run build`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { machineFacts } from "./lib/machine.mjs";
import { percentile } from "./lib/stdio-probe.mjs";
import { buildIndex, OfflineDocs, writeIndex } from "../dist/src/docs/offline.js";
import { productsOfQuery } from "../dist/src/docs/product-ranking.js";
import { DEFAULT_DOCS_VERSION } from "../dist/src/docs/service.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { docs: { type: "string" }, passes: { type: "string", default: "5" } } });
const exportDir = values.docs ?? process.env.TALOS_MCP_DOCS_EXPORT;
const corpus = exportDir ?? join(root, "test/docs/fixtures/repo");
if (!exportDir) console.error("no full docs export given (--docs DIR or TALOS_MCP_DOCS_EXPORT=DIR): measuring the project's fixtures");
const passes = Number(values.passes);
const cases = JSON.parse(readFileSync(join(root, "test/docs/relevance.json"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-docs-"));
const file = join(dir, "index.json");
const pagePath = (url) => url.replace("https://docs.siderolabs.com/", "").replace(/#.*$/, "");

let t = performance.now();
const index = await buildIndex(corpus);
await writeIndex(index, file);
const buildMs = performance.now() - t;
t = performance.now();
const docs = await OfflineDocs.load(file);
const loadMs = performance.now() - t;

// Relevance, with the version the expected page is of (as an agent on that cluster would ask).
let hit1 = 0;
let hit3 = 0;
let productAt1 = 0;
const misses = [];
const otherProductFirst = [];
for (const c of cases) {
  const version = c.expect.startsWith("talos/") ? c.expect.split("/")[1] : undefined;
  const results = docs.query(c.query, { version, limit: 8 });
  const pages = results.map((r) => pagePath(r.url));
  if (pages[0] === c.expect) hit1 += 1;
  if (pages.slice(0, 3).includes(c.expect)) hit3 += 1;
  else misses.push(c.query);
  if (results[0]?.product === c.expect.split("/")[0]) productAt1 += 1;
  // The target's own check: a question that does not name Omni is never answered with an Omni page
  // first when a page of another product matched.
  if (!productsOfQuery(c.query).has("omni") && results[0]?.product === "omni" && results.some((r) => r.product !== "omni")) otherProductFirst.push(c.query);
}

// Query time: the tool's default call ({query, version: the pinned minor, limit 8}) in-process and
// over MCP, alternated.
const server = new StdioClientTransport({
  command: process.execPath,
  args: [join(root, "dist/src/cli.js"), "serve", "--docs", "offline", "--docs-index", file, "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl")],
  stderr: "ignore",
});
const client = new Client({ name: "talos-mcp-bench", version: "1" });
await client.connect(server);
const call = (query) => client.callTool({ name: "docs-search", arguments: { query, version: DEFAULT_DOCS_VERSION } }, { timeout: 600_000 });
t = performance.now();
const first = await call("bootstrap");
const serverFirstCallMs = performance.now() - t;
if (first.isError) throw new Error(`docs-search over MCP failed: ${JSON.stringify(first.content)}`);
const inProcessMs = [];
const overMcpMs = [];
for (let pass = 0; pass < passes; pass += 1) {
  for (const c of cases) {
    let started = performance.now();
    docs.query(c.query, { version: DEFAULT_DOCS_VERSION, limit: 8 });
    inProcessMs.push(performance.now() - started);
    started = performance.now();
    await call(c.query);
    overMcpMs.push(performance.now() - started);
  }
}
await client.close();

const ms = (values, p) => +percentile(values, p).toFixed(2);
const result = {
  corpus: exportDir ? `full export at ${exportDir}` : "test/docs/fixtures/repo (project-written fixtures; no full export given)",
  pages: new Set(index.entries.map((e) => e.page)).size,
  sections: index.entries.length,
  buildMs: Math.round(buildMs),
  indexBytes: readFileSync(file).length,
  loadMs: Math.round(loadMs),
  queries: cases.length,
  hitAt1: +(hit1 / cases.length).toFixed(3),
  hitAt3: +(hit3 / cases.length).toFixed(3),
  misses,
  productAt1: +(productAt1 / cases.length).toFixed(3),
  omniFirstWithoutOmniInQuestion: otherProductFirst,
  timedCalls: inProcessMs.length,
  inProcessP50Ms: ms(inProcessMs, 50),
  inProcessP95Ms: ms(inProcessMs, 95),
  overMcpP50Ms: ms(overMcpMs, 50),
  overMcpP95Ms: ms(overMcpMs, 95),
  serverFirstCallMs: Math.round(serverFirstCallMs),
  machine: machineFacts(),
  measuredAt: new Date().toISOString(),
};
writeFileSync(join(root, `bench/results/${exportDir ? "docs-relevance-full" : "docs-relevance"}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
