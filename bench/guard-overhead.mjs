#!/usr/bin/env node
// What the guard costs: the same talosctl command (validate a machine config) run N times
// directly and N times through the MCP server (in-process client, full guard: schema, policy,
// argv-guard, runner, redaction, audit), alternating one direct and one guarded run so load on
// the machine hits both alike. Reports the ratio of the medians (p50), not a timing target. Writes bench/results/guard-overhead.json. Run after `npm run build`.
import { execFileSync } from "node:child_process";
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

const timed = async (fn) => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};
const directTimes = [];
const guardedTimes = [];
for (let i = 0; i < N; i += 1) {
  directTimes.push(await timed(async () => execFileSync(talosctl, ["validate", "--config", join(ws, "bench/controlplane.yaml"), "--mode", "metal"], { stdio: "ignore" })));
  guardedTimes.push(await timed(() => client.callTool({ name: "validate-config", arguments: { file: "bench/controlplane.yaml" } })));
}
const direct = median(directTimes);
const guarded = median(guardedTimes);
const result = { iterations: N, directP50Ms: +direct.toFixed(1), guardedP50Ms: +guarded.toFixed(1), ratio: +(guarded / direct).toFixed(2), machine: machineFacts(), measuredAt: new Date().toISOString() };
writeFileSync(join(root, "bench/results/guard-overhead.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await client.close();
