#!/usr/bin/env node
// Relevance of the offline docs search on the operator query set (test/docs/relevance.json),
// against the fixture docs repository: hit@1 and hit@3, plus index build and load times measured
// in the same run, and the in-process query time (p50/p95 over every query, 5 passes).
// `--docs DIR` measures a full export of the public docs instead of the fixtures (given by path,
// never committed; the expected pages are real docs paths, so hit@k applies there too).
// Writes bench/results/docs-relevance.json (fixtures) or docs-relevance-full.json. Run after `npm run build`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "./lib/stdio-probe.mjs";
import { buildIndex, OfflineDocs, writeIndex } from "../dist/src/docs/offline.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { docs: { type: "string" } } });
const corpus = values.docs ?? join(root, "test/docs/fixtures/repo");
const cases = JSON.parse(readFileSync(join(root, "test/docs/relevance.json"), "utf8"));
const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-bench-")), "index.json");

let t = performance.now();
await writeIndex(await buildIndex(corpus), file);
const buildMs = performance.now() - t;
t = performance.now();
const docs = await OfflineDocs.load(file);
const loadMs = performance.now() - t;

let hit1 = 0;
let hit3 = 0;
const misses = [];
for (const c of cases) {
  const version = c.expect.startsWith("talos/") ? c.expect.split("/")[1] : undefined;
  const pages = docs.query(c.query, { version, limit: 3 }).map((r) => r.url.replace("https://docs.siderolabs.com/", "").replace(/#.*$/, ""));
  if (pages[0] === c.expect) hit1 += 1;
  if (pages.includes(c.expect)) hit3 += 1;
  else misses.push(c.query);
}
const queryMs = [];
for (let pass = 0; pass < 5; pass += 1) {
  for (const c of cases) {
    const started = performance.now();
    docs.query(c.query, { limit: 8 });
    queryMs.push(performance.now() - started);
  }
}
const result = { queries: cases.length, queryP50Ms: +percentile(queryMs, 50).toFixed(2), queryP95Ms: +percentile(queryMs, 95).toFixed(2), hitAt1: +(hit1 / cases.length).toFixed(3), hitAt3: +(hit3 / cases.length).toFixed(3), misses, buildMs: Math.round(buildMs), loadMs: Math.round(loadMs), indexBytes: readFileSync(file).length, corpus: values.docs ? `full export at ${values.docs}` : "test/docs/fixtures/repo (project-written fixtures)", measuredAt: new Date().toISOString() };
writeFileSync(join(root, `bench/results/${values.docs ? "docs-relevance-full" : "docs-relevance"}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
