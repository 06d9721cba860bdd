#!/usr/bin/env node
// What the guard costs: the same talosctl command (validate a machine config) run N times
// directly and N times through the MCP server (in-process client, full guard: schema, policy,
// argv-guard, runner, redaction, audit), alternating one direct and one guarded run so load on
// the machine hits both alike. Reports the ratio of the medians (p50), not a timing target.
// Also, in the same rounds: the direct run capturing the CLI's output through pipes (as any tool
// must, to return it; the plain direct run discards it), and each variant's CPU time in this
// process (user + system): the part of the overhead that a busy machine multiplies.
// Writes bench/results/guard-overhead.json. Run after `npm run build`.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { buildConfig, parseServeFlags } from "../dist/src/config.js";
import { createSessionServerFactory } from "../dist/src/server/create-server.js";
import { createAuditLog } from "../dist/src/audit/audit.js";
import { ALL_TOOLS } from "../dist/tools/index.js";
import { machineFacts } from "./lib/machine.mjs";
import { median } from "./lib/stdio-probe.mjs";

const N = Number(process.argv[2] ?? 20);
const root = fileURLToPath(new URL("..", import.meta.url));
const talosctl = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/talosctl");
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-"));
const ws = join(dir, "ws");
execFileSync(talosctl, ["gen", "config", "bench", "https://10.0.0.2:6443", "--output", join(ws, "bench")], { stdio: "ignore" });

const config = buildConfig({ flags: parseServeFlags(["--workspace", ws, "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl")]), env: {}, cwd: dir, knownTools: ALL_TOOLS.map((t) => t.name) });
const factory = createSessionServerFactory(config, { audit: createAuditLog({ file: join(dir, "audit.jsonl") }) });
const server = factory.create({ transport: "memory", name: "bench", role: "admin" }, "legacy");
const client = new Client({ name: "bench", version: "1" });
const [a, b] = InMemoryTransport.createLinkedPair();
await Promise.all([server.connect(a), client.connect(b)]);
await client.callTool({ name: "validate-config", arguments: { file: "bench/controlplane.yaml" } }); // warm: command tree, binary discovery

const validate = ["validate", "--config", join(ws, "bench/controlplane.yaml"), "--mode", "metal"];
const variants = {
  direct: async () => execFileSync(talosctl, validate, { stdio: "ignore" }),
  guarded: () => client.callTool({ name: "validate-config", arguments: { file: "bench/controlplane.yaml" } }),
  directCaptured: async () => spawnSync(talosctl, validate, { stdio: ["ignore", "pipe", "pipe"] }),
};
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const cpu = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let i = 0; i < N; i += 1) {
  for (const [name, run] of Object.entries(variants)) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    times[name].push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu[name].push((used.user + used.system) / 1000);
  }
}
const p50 = (values) => +median(values).toFixed(1);
const [direct, guarded, captured] = [times.direct, times.guarded, times.directCaptured].map(median);
const result = {
  iterations: N,
  directP50Ms: p50(times.direct),
  guardedP50Ms: p50(times.guarded),
  ratio: +(guarded / direct).toFixed(2),
  directCapturedP50Ms: p50(times.directCaptured),
  ratioVsCaptured: +(guarded / captured).toFixed(2),
  inProcessCpuP50Ms: { direct: p50(cpu.direct), directCaptured: p50(cpu.directCaptured), guarded: p50(cpu.guarded) },
  machine: machineFacts(),
  measuredAt: new Date().toISOString(),
};
writeFileSync(join(root, "bench/results/guard-overhead.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await client.close();
