#!/usr/bin/env node
// Simulator scale: for clusters of 3, 10 and 50 nodes (3 control planes, the rest workers), the time
// from startSimulation to every node answering, and the bootstrap guard's cluster-wide check (every
// control plane asked for its identity and etcd state, through the real talosctl) — a bootstrap
// call on a running cluster, denied by bootstrap-once after the check. Then 3 clusters of 5 nodes
// started side by side. Per-node cost should stay flat (linear or better).
// Usage: node bench/sim-scale.mjs [--n 3]   (after `npm run build`; needs the pinned talosctl)
// Writes bench/results/sim-scale.json.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { buildConfig, parseServeFlags } from "../dist/src/config.js";
import { createSessionServerFactory } from "../dist/src/server/create-server.js";
import { createAuditLog } from "../dist/src/audit/audit.js";
import { startSimulation } from "../dist/src/sim/index.js";
import { ALL_TOOLS } from "../dist/tools/index.js";
import { machineFacts } from "./lib/machine.mjs";
import { median } from "./lib/stdio-probe.mjs";

const { values } = parseArgs({ options: { n: { type: "string", default: "3" } } });
const N = Number(values.n);
const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "talos-mcp-bench-scale-"));

function scenarioFile(nodes) {
  const lines = ["name: scale-" + nodes, "description: scale benchmark", "stage: running", "clusterName: sim", "nodes:"];
  for (let i = 0; i < nodes; i += 1) {
    const controlPlane = i < 3;
    const octet = controlPlane ? 11 + i : 21 + (i - 3);
    lines.push(`  - { name: ${controlPlane ? `cp-${i + 1}` : `worker-${i - 2}`}, address: 127.0.43.${octet}, role: ${controlPlane ? "controlplane" : "worker"} }`);
  }
  const file = join(scratch, `scale-${nodes}.yaml`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function start(scenario) {
  const dir = mkdtempSync(join(scratch, "sim-"));
  const started = performance.now();
  const sim = await startSimulation({ scenario, dir });
  return { sim, dir, ms: performance.now() - started };
}

async function bootstrapCheck(sim, dir) {
  const config = buildConfig({
    flags: parseServeFlags(["--talosconfig", sim.talosconfig, "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl")]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((tool) => tool.name),
  });
  const factory = createSessionServerFactory(config, { audit: createAuditLog({}), credentialRole: "admin" });
  const server = factory.create({ transport: "memory", name: "bench", role: "admin" });
  const client = new Client({ name: "bench", version: "1" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const node = sim.nodes.find((n) => n.name === "cp-1").address;
  const call = () => client.callTool({ name: "bootstrap", arguments: { nodes: [node] } });
  const first = await call(); // warm: binary discovery
  const text = first.content.map((item) => item.text).join("\n");
  if (!/bootstrap-once/.test(text)) throw new Error(`expected a bootstrap-once denial, got: ${text.slice(0, 400)}`);
  const times = [];
  for (let i = 0; i < N; i += 1) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  await client.close();
  return median(times);
}

const rows = [];
for (const nodes of [3, 10, 50]) {
  const file = scenarioFile(nodes);
  const starts = [];
  let checkMs;
  for (let i = 0; i < N; i += 1) {
    const { sim, dir, ms } = await start(file);
    starts.push(ms);
    if (i === 0) checkMs = await bootstrapCheck(sim, dir);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const startMs = median(starts);
  rows.push({ nodes, startMedianMs: Math.round(startMs), startMsPerNode: +(startMs / nodes).toFixed(1), bootstrapCheckMedianMs: Math.round(checkMs) });
}
const sideBySide = [];
for (let i = 0; i < N; i += 1) {
  const started = performance.now();
  const clusters = await Promise.all([0, 1, 2].map(() => start("running-3cp-2w")));
  sideBySide.push(performance.now() - started);
  await Promise.all(clusters.map(({ sim }) => sim.stop()));
}
const result = { machine: machineFacts(), measuredAt: new Date().toISOString(), rounds: N, rows, threeClustersSideBySideMs: Math.round(median(sideBySide)) };
writeFileSync(join(root, "bench/results/sim-scale.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("| nodes | start (median) | per node | bootstrap guard check (median) |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.nodes} | ${r.startMedianMs} ms | ${r.startMsPerNode} ms | ${r.bootstrapCheckMedianMs} ms |`);
console.log(`\n3 clusters of 5 nodes started side by side: ${result.threeClustersSideBySideMs} ms (median of ${N})`);
rmSync(scratch, { recursive: true, force: true });
