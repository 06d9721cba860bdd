#!/usr/bin/env node
// Memory over a long session: talos-mcp over stdio (the built CLI, one session), RSS when idle after
// the handshake, then after each block of mixed calls that spawn nothing (policy-check, and
// arguments the guard rejects: a path outside the workspace, an unknown resource type — each audited).
// After each block the server is made to run a full garbage collection (bench/lib/heap-probe.mjs,
// preloaded into the server by this bench only) and reports the heap still in use: a leak shows as
// growth of that retained heap between the second and the third block (the first one warms caches:
// command trees, compiled code). RSS is reported too, but it also holds heap the collector has not
// yet returned to the system, so RSS growth alone does not tell a leak from GC headroom.
// Usage: node bench/memory.mjs [--calls 10000] [--snapshots DIR]   Writes bench/results/memory.json;
// with --snapshots, a heap snapshot after each block's collection into DIR (compare them in DevTools).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineFacts } from "./lib/machine.mjs";

const { values } = parseArgs({ options: { calls: { type: "string", default: "10000" }, snapshots: { type: "string" } } });
const CALLS = Number(values.calls);
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-memory-"));
const probeFile = join(dir, "heap-probe.json");
const probeEnv = { TALOS_MCP_BENCH_HEAP_PROBE: probeFile, ...(values.snapshots ? { TALOS_MCP_BENCH_HEAP_SNAPSHOT_DIR: values.snapshots } : {}) };
const child = spawn(process.execPath, ["--expose-gc", "--import", join(root, "bench/lib/heap-probe.mjs"), join(root, "dist/src/cli.js"), "serve", "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl"), "--log-level", "warn"], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...probeEnv } });
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
const mb = (bytes) => +(bytes / 1024 / 1024).toFixed(1);
let probes = 0;
/** Heap in use (and external memory, RSS) right after a forced full collection in the server. */
async function retainedAfterGc(label) {
  probes += 1;
  child.kill("SIGUSR2");
  for (;;) {
    const usage = existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, "utf8")) : undefined;
    if (usage?.taken === probes) {
      const snapshot = usage.snapshot && join(values.snapshots, `${label}.heapsnapshot`);
      if (snapshot) renameSync(usage.snapshot, snapshot);
      return { heapUsedAfterGcMb: mb(usage.heapUsed), externalAfterGcMb: mb(usage.external), heapTotalAfterGcMb: mb(usage.heapTotal), newSpaceMb: mb(usage.newSpace), rssAfterGcMb: mb(usage.rss), ...(snapshot ? { snapshot } : {}) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pending = new Map();
let buffered = "";
let nextId = 1;
child.stdout.on("data", (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const message = JSON.parse(buffered.slice(0, newline));
    buffered = buffered.slice(newline + 1);
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  }
});
const request = (method, params) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  });

await request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "talos-mcp-bench", version: "1" } });
child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
await request("tools/list", {});
await new Promise((resolve) => setTimeout(resolve, 2000));
const idleMb = rssMb();
const idleRetained = await retainedAfterGc("idle");

const MIX = [
  ["policy-check", { text: "talosctl -n 10.0.0.2 etcd snapshot db.snapshot" }],
  ["policy-check", { text: "ssh root@10.0.0.2 and edit /etc/kubernetes/manifests" }],
  ["get", { nodes: ["10.0.0.2"], type: "no-such-type" }], // refused by the input schema
  ["validate-config", { file: "../outside.yaml" }], // refused by the guard: path outside the workspace
];
const blocks = [];
for (let block = 0; block < 3; block += 1) {
  const started = performance.now();
  for (let i = 0; i < CALLS; i += 1) {
    const [name, args] = MIX[i % MIX.length];
    await request("tools/call", { name, arguments: args });
  }
  const seconds = +((performance.now() - started) / 1000).toFixed(1);
  const rss = +rssMb().toFixed(1);
  blocks.push({ calls: CALLS, seconds, rssMb: rss, ...(await retainedAfterGc(`block-${block + 1}`)) });
}
const exited = new Promise((resolve) => child.once("exit", resolve));
child.kill("SIGTERM");
await exited;
rmSync(dir, { recursive: true, force: true });
const result = {
  machine: machineFacts(),
  measuredAt: new Date().toISOString(),
  idleRssMb: +idleMb.toFixed(1),
  idleHeapUsedAfterGcMb: idleRetained.heapUsedAfterGcMb,
  blocks,
  // The criterion: retained heap. RSS growth is kept beside it for comparison.
  heapGrowthSecondToThirdMb: +(blocks[2].heapUsedAfterGcMb - blocks[1].heapUsedAfterGcMb).toFixed(1),
  rssGrowthSecondToThirdMb: +(blocks[2].rssMb - blocks[1].rssMb).toFixed(1),
};
writeFileSync(join(root, "bench/results/memory.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
