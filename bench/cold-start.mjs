#!/usr/bin/env node
// Cold start to the first tools/list, side by side in one run: the one-tool server on the same SDK
// (the floor), talos-mcp, and two published servers (server-everything, mcp-server-kubernetes,
// installed outside the repo by bench/lib/peers.mjs). Rounds alternate the servers so load on the
// machine hits all of them alike; medians and ratios to the floor are what count.
// CPU time (user + system at the tools/list answer) is reported beside wall time.
// Also: the size of each tools/list in characters and in tokens (gpt-tokenizer, o200k_base),
// with the server instructions counted separately.
// Usage: node bench/cold-start.mjs [--n 9] [--only floor,talos-mcp] [--baseline DIR]   (after `npm run build`)
// --baseline DIR adds another talos-mcp build (DIR/dist, e.g. a copy of main's with node_modules
// linked beside it) to the same rounds, for before/after ratios measured side by side.
// Writes bench/results/cold-start.json.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { coldStart, median } from "./lib/stdio-probe.mjs";
import { ensurePeers, peerPath, PEER_VERSIONS, tokenCounter } from "./lib/peers.mjs";
import { machineFacts } from "./lib/machine.mjs";

const { values } = parseArgs({ options: { n: { type: "string", default: "9" }, only: { type: "string" }, baseline: { type: "string" } } });
const N = Number(values.n);
const root = fileURLToPath(new URL("..", import.meta.url));
ensurePeers();
const scratch = mkdtempSync(join(tmpdir(), "talos-mcp-bench-cold-"));
// mcp-server-kubernetes reads a kubeconfig at start; it never reaches this cluster during tools/list.
const kubeconfig = join(scratch, "kubeconfig");
writeFileSync(
  kubeconfig,
  "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
);

const SERVERS = [
  { name: "floor", label: "one-tool server, same SDK (floor)", command: process.execPath, args: [join(root, "bench/floor-server.mjs")] },
  {
    name: "talos-mcp",
    label: "talos-mcp (default toolsets)",
    command: process.execPath,
    args: [join(root, "dist/src/cli.js"), "serve", "--workspace", join(scratch, "ws"), "--state-dir", join(scratch, "state"), "--audit-log", join(scratch, "audit.jsonl"), "--log-level", "warn"],
  },
  {
    name: "everything",
    label: `server-everything ${PEER_VERSIONS["@modelcontextprotocol/server-everything"]}`,
    command: process.execPath,
    args: [peerPath("@modelcontextprotocol/server-everything/dist/index.js"), "stdio"],
  },
  {
    name: "kubernetes",
    label: `mcp-server-kubernetes ${PEER_VERSIONS["mcp-server-kubernetes"]}`,
    command: process.execPath,
    args: [peerPath("mcp-server-kubernetes/dist/index.js")],
    env: { KUBECONFIG: kubeconfig },
  },
  values.baseline && {
    name: "baseline",
    label: `talos-mcp baseline (${values.baseline})`,
    command: process.execPath,
    args: [join(values.baseline, "dist/src/cli.js"), "serve", "--workspace", join(scratch, "ws-baseline"), "--state-dir", join(scratch, "state-baseline"), "--audit-log", join(scratch, "audit-baseline.jsonl"), "--log-level", "warn"],
  },
].filter((server) => server && (server.name === "baseline" || !values.only || values.only.split(",").includes(server.name)));

const samples = Object.fromEntries(SERVERS.map((server) => [server.name, []]));
const lists = {};
for (const server of SERVERS) lists[server.name] = await coldStart(server); // warm the file cache once
for (let round = 0; round < N; round += 1) {
  for (const server of SERVERS) samples[server.name].push(await coldStart(server));
}

const tokens = await tokenCounter();
const floor = samples.floor ? median(samples.floor.map((s) => s.ms)) : undefined;
const floorCpu = samples.floor ? median(samples.floor.map((s) => s.cpuMs)) : undefined;
const floorRss = samples.floor ? median(samples.floor.map((s) => s.rssMb)) : undefined;
const rows = SERVERS.map((server) => {
  const ms = median(samples[server.name].map((s) => s.ms));
  const rssMb = median(samples[server.name].map((s) => s.rssMb));
  const cpu = samples[server.name].map((s) => s.cpuMs);
  const { tools, instructions } = lists[server.name];
  const listText = JSON.stringify(tools);
  return {
    server: server.name,
    label: server.label,
    medianMs: Math.round(ms),
    minMs: Math.round(Math.min(...samples[server.name].map((s) => s.ms))),
    medianCpuMs: median(cpu),
    minCpuMs: Math.min(...cpu),
    cpuVsFloor: floorCpu ? +(median(cpu) / floorCpu).toFixed(2) : undefined,
    peakRssMb: Math.round(rssMb),
    vsFloor: floor ? +(ms / floor).toFixed(2) : undefined,
    rssVsFloor: floorRss ? +(rssMb / floorRss).toFixed(2) : undefined,
    tools: tools.length,
    toolsListChars: listText.length,
    toolsListTokens: tokens.count(listText),
    instructionsTokens: tokens.count(instructions ?? ""),
  };
});
const result = { tokenizer: tokens.name, rounds: N, machine: machineFacts(), measuredAt: new Date().toISOString(), rows };
writeFileSync(join(root, "bench/results/cold-start.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("| server | median | min | × floor | CPU median | CPU min | × floor | peak RSS | × floor | tools | tools/list chars | tokens | instructions tokens |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.label} | ${r.medianMs} ms | ${r.minMs} ms | ${r.vsFloor ?? ""} | ${r.medianCpuMs} ms | ${r.minCpuMs} ms | ${r.cpuVsFloor ?? ""} | ${r.peakRssMb} MB | ${r.rssVsFloor ?? ""} | ${r.tools} | ${r.toolsListChars} | ${r.toolsListTokens} | ${r.instructionsTokens} |`);
