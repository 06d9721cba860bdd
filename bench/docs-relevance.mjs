#!/usr/bin/env node
// Relevance of the offline docs search on the operator query set (test/docs/relevance.json),
// against the fixture docs repository: hit@1 and hit@3, plus index build and load times measured
// in the same run. Writes bench/results/docs-relevance.json. Run after `npm run build`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex, OfflineDocs, writeIndex } from "../dist/src/docs/offline.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cases = JSON.parse(readFileSync(join(root, "test/docs/relevance.json"), "utf8"));
const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-bench-")), "index.json");

let t = performance.now();
await writeIndex(await buildIndex(join(root, "test/docs/fixtures/repo")), file);
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
const result = { queries: cases.length, hitAt1: +(hit1 / cases.length).toFixed(3), hitAt3: +(hit3 / cases.length).toFixed(3), misses, buildMs: Math.round(buildMs), loadMs: Math.round(loadMs), corpus: "test/docs/fixtures/repo (project-written fixtures)", measuredAt: new Date().toISOString() };
writeFileSync(join(root, "bench/results/docs-relevance.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
