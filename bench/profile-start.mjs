#!/usr/bin/env node
// Where talos-mcp's start-up time goes: runs the built server under `node --cpu-prof` through
// initialize + tools/list, lets it exit on end of input, and sums the profile's self time by
// package (node_modules/<pkg>) or project directory (dist/src/<dir>, dist/tools, …), plus
// Node internals and GC; and, in a second run without the profiler (the loader hooks run on their
// own thread and would show up as idle time), the ES modules loaded (bench/lib/module-count.mjs).
// Usage: node bench/profile-start.mjs [--top 25] [-- extra serve flags]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const separator = process.argv.indexOf("--");
const extra = separator >= 0 ? process.argv.slice(separator + 1) : [];
const topIndex = process.argv.indexOf("--top");
const top = topIndex >= 0 ? Number(process.argv[topIndex + 1]) : 25;
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-profile-"));
const input = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "profile", version: "1" } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} },
].map((message) => `${JSON.stringify(message)}\n`).join("");
const serve = [join(root, "dist/src/cli.js"), "serve", "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl"), "--log-level", "error", ...extra];
const run = spawnSync(
  process.execPath,
  ["--cpu-prof", "--cpu-prof-dir", dir, ...serve],
  { input, encoding: "utf8", timeout: 60_000 },
);
const counted = spawnSync(process.execPath, ["--import", join(root, "bench/lib/module-count.mjs"), ...serve], { input, encoding: "utf8", timeout: 60_000 });
if (!run.stdout.includes('"id":2')) throw new Error(`no tools/list answer: ${run.stderr}`);
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((name) => name.endsWith(".cpuprofile"))), "utf8"));

const bucket = (url, functionName) => {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const project = /\/dist\/((?:src\/)?[^/]+)/.exec(url);
  return project ? `talos-mcp ${project[1]}` : url;
};
const intervals = new Map();
for (let index = 0; index < profile.samples.length; index += 1) intervals.set(profile.samples[index], (intervals.get(profile.samples[index]) ?? 0) + profile.timeDeltas[index]);
const totals = new Map();
for (const node of profile.nodes) {
  const key = bucket(node.callFrame.url, node.callFrame.functionName);
  totals.set(key, (totals.get(key) ?? 0) + (intervals.get(node.id) ?? 0));
}
const all = [...totals.values()].reduce((sum, value) => sum + value, 0);
const modules = counted.stderr.split("\n").filter((line) => line.startsWith("bench-module-loaded ")).length;
console.log(`profile: ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms from start to exit, ${(all / 1000).toFixed(0)} ms sampled; ${modules} modules loaded`);
for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(micros / 1000).toFixed(1).padStart(8)} ms  ${((100 * micros) / all).toFixed(1).padStart(5)}%  ${key}`);
}
