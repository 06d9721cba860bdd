#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (each measures side by side within its own run), then
// bench/results/summary.md — the headline figures against the targets of issue 15, with the
// machine they were measured on. Peers (server-everything, mcp-server-kubernetes, gpt-tokenizer)
// are installed outside the repository on first use (bench/lib/peers.mjs).
// Usage: npm run bench [-- --skip sim-start,http-throughput]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineFacts } from "./lib/machine.mjs";

const { values } = parseArgs({ options: { skip: { type: "string", default: "" } } });
const skip = new Set(values.skip.split(",").filter(Boolean));
const root = fileURLToPath(new URL("..", import.meta.url));
const BENCHES = [
  ["cold-start", []],
  ["tool-tokens", []],
  ["guard-overhead", []],
  ["policy-corpus", []],
  ["http-throughput", []],
  ["docs-relevance", []],
  ["sim-start", []],
  ["sim-scale", []],
  ["memory", []],
];
for (const [name, args] of BENCHES) {
  if (skip.has(name)) continue;
  process.stderr.write(`\n== bench/${name}.mjs\n`);
  execFileSync(process.execPath, [join(root, "bench", `${name}.mjs`), ...args], { stdio: ["ignore", "inherit", "inherit"], cwd: root });
}

const read = (name) => JSON.parse(readFileSync(join(root, "bench/results", `${name}.json`), "utf8"));
const cold = read("cold-start");
const tokens = read("tool-tokens");
const guard = read("guard-overhead");
const policy = read("policy-corpus");
const http = read("http-throughput");
// With TALOS_MCP_DOCS_EXPORT set, docs-relevance measured that full docs export, not the fixtures.
const docs = read(process.env.TALOS_MCP_DOCS_EXPORT ? "docs-relevance-full" : "docs-relevance");
const scale = read("sim-scale");
const memory = read("memory");
const row = (server) => cold.rows.find((r) => r.server === server);
const ratio = (concurrency) => http.rows.find((r) => r.ratio !== undefined && r.concurrency === concurrency)?.ratio;
const check = (ok) => (ok ? "met" : "**missed**");
const facts = machineFacts();
const lines = [
  "# Benchmark summary (issue 15 targets)",
  "",
  `Machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGb} GB, Node ${facts.node}, load ${facts.loadAverage1m} at the end; ${new Date().toISOString()}.`,
  "Each figure is a ratio or a count measured side by side in one run; absolute times move with the load on the machine.",
  ...(skip.size ? [`Not re-run for this summary (figures from their last run in bench/results/, which records its machine and date): ${[...skip].join(", ")}.`] : []),
  "",
  "| target | figure | |",
  "|---|---|---|",
  `| cold start to first tools/list ≤ 1.15× the one-tool SDK floor | ${row("talos-mcp").vsFloor}× (${row("talos-mcp").medianMs} ms vs ${row("floor").medianMs} ms, median of ${cold.rounds}) | ${check(row("talos-mcp").vsFloor <= 1.15)} |`,
  `| peak RSS ≤ 1.2× the floor | ${row("talos-mcp").rssVsFloor}× (${row("talos-mcp").peakRssMb} MB vs ${row("floor").peakRssMb} MB) | ${check(row("talos-mcp").rssVsFloor <= 1.2)} |`,
  `| default tools/list ≤ 6,000 tokens (${tokens.tokenizer}) | ${tokens.toolsListTokens} (+${tokens.instructionsTokens} instructions); \`--toolsets talos,etcd,lifecycle\`: ${tokens.subsets["talos,etcd,lifecycle (a plain Talos operator)"].toolsList} | ${check(tokens.toolsListTokens <= 6000)} |`,
  `| all toolsets ≤ 10,000 tokens | ${tokens.subsets["all toolsets"].toolsList} | ${check(tokens.subsets["all toolsets"].toolsList <= 10000)} |`,
  `| validate-config through MCP ≤ 1.10× talosctl validate at p50 | ${guard.ratio}× (${guard.guardedP50Ms} vs ${guard.directP50Ms} ms; ${guard.ratioVsCaptured}× a direct run that captures the output; CPU in the process ${guard.inProcessCpuP50Ms.guarded} vs ${guard.inProcessCpuP50Ms.direct} ms) | ${check(guard.ratio <= 1.1)} |`,
  `| policy-check p50 < 2 ms in-process | ${policy.checkMs?.p50 ?? JSON.stringify(policy.checkMs)} ms | ${check((policy.checkMs?.p50 ?? Infinity) < 2)} |`,
  `| HTTP no-spawn calls/s ≥ 1.0× server-everything (c=1/16/64) | ${[1, 16, 64].map((c) => `${ratio(c)}×`).join(" / ")} | ${check([1, 16, 64].every((c) => ratio(c) >= 1))} |`,
  `| docs search p50 < 20 ms in-process, < 50 ms over MCP | ${docs.inProcessP50Ms} ms / ${docs.overMcpP50Ms} ms (p95 ${docs.inProcessP95Ms} / ${docs.overMcpP95Ms} ms) on ${docs.corpus}; index ${(docs.indexBytes / 2 ** 20).toFixed(1)} MiB, built in ${docs.buildMs} ms | ${check(docs.inProcessP50Ms < 20 && docs.overMcpP50Ms < 50)}${process.env.TALOS_MCP_DOCS_EXPORT ? "" : " (fixtures, not a full export)"} |`,
  `| docs: the question's product first (no Omni page first unless asked) | first answer of the expected product ${docs.productAt1}; Omni first without Omni in the question: ${docs.omniFirstWithoutOmniInQuestion.length} | ${check(docs.omniFirstWithoutOmniInQuestion.length === 0)} |`,
  `| simulator start linear or better (3 / 10 / 50 nodes) | ${scale.rows.map((r) => `${r.startMedianMs} ms`).join(" / ")}; per node ${scale.rows.map((r) => r.startMsPerNode).join(" / ")} ms; bootstrap check ${scale.rows.map((r) => `${r.bootstrapCheckMedianMs} ms`).join(" / ")} | ${check(scale.rows.every((r, i) => i === 0 || r.startMsPerNode <= scale.rows[i - 1].startMsPerNode * 1.1))} |`,
  `| 3 clusters side by side < 2 s | ${scale.threeClustersSideBySideMs} ms | ${check(scale.threeClustersSideBySideMs < 2000)} |`,
  `| memory: no growth between the 2nd and 3rd ${memory.blocks[0].calls} calls (heap retained after a full GC; growth ≤ 1 MB) | heap after GC idle ${memory.idleHeapUsedAfterGcMb} MB, after each block ${memory.blocks.map((b) => `${b.heapUsedAfterGcMb} MB`).join(" / ")}: growth ${memory.heapGrowthSecondToThirdMb} MB. RSS idle ${memory.idleRssMb} MB, after each block ${memory.blocks.map((b) => `${b.rssMb} MB`).join(" / ")} | ${check(memory.heapGrowthSecondToThirdMb <= 1)} |`,
  "",
];
writeFileSync(join(root, "bench/results/summary.md"), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
