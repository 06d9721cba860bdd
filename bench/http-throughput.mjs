#!/usr/bin/env node
// Streamable HTTP throughput side by side in one run: talos-mcp and server-everything (installed
// outside the repo by bench/lib/peers.mjs), each its own process on loopback, one session each,
// driven by the same raw JSON-RPC-over-HTTP client at concurrency 1, 16 and 64 (that many calls in
// flight). Calls: one that spawns nothing (talos-mcp policy-check, server-everything echo) and,
// for talos-mcp, one that spawns talosctl (validate-config). Reports calls/s, p50 and p99.
// talos-mcp runs with its HTTP limits raised (rate, concurrent calls) so they do not shape the result.
// Usage: node bench/http-throughput.mjs [--calls 400]   Writes bench/results/http-throughput.json.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensurePeers, peerPath, PEER_VERSIONS } from "./lib/peers.mjs";
import { machineFacts } from "./lib/machine.mjs";
import { percentile } from "./lib/stdio-probe.mjs";

const { values } = parseArgs({ options: { calls: { type: "string", default: "400" } } });
const CALLS = Number(values.calls);
const root = fileURLToPath(new URL("..", import.meta.url));
ensurePeers();
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-http-"));
const talosctl = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/talosctl");
execFileSync(talosctl, ["gen", "config", "bench", "https://10.0.0.2:6443", "--output", join(dir, "ws/bench")], { stdio: "ignore" });
writeFileSync(join(dir, "config.yaml"), "http:\n  rateLimitPerMinute: 10000000\n  maxConcurrentCalls: 64\n");

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startServer(command, args, env, url) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const up = await fetch(url, { method: "GET" }).then(() => true, () => false);
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`${command} ${args.join(" ")} did not listen: ${stderr.slice(-500)}`);
}

/** A Streamable HTTP session: initialize, then JSON-RPC requests answered as JSON or SSE. */
async function openSession(url) {
  let sessionId;
  let nextId = 1;
  const post = async (message) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(sessionId ? { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" } : {}),
      },
      body: JSON.stringify(message),
    });
    sessionId ??= response.headers.get("mcp-session-id") ?? undefined;
    const text = await response.text();
    if (message.id === undefined) return undefined;
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
    const body = (response.headers.get("content-type") ?? "").includes("text/event-stream")
      ? text.split("\n").filter((line) => line.startsWith("data:")).map((line) => JSON.parse(line.slice(5))).find((m) => m.id === message.id)
      : JSON.parse(text);
    if (body?.error) throw new Error(`JSON-RPC error: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  await post({ jsonrpc: "2.0", id: nextId++, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "talos-mcp-bench", version: "1" } } });
  await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  return {
    call: async (name, args) => {
      const result = await post({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
      return result;
    },
  };
}

async function measure(session, name, args, concurrency, calls) {
  for (let i = 0; i < Math.min(concurrency, 8); i += 1) await session.call(name, args); // warm
  const latencies = [];
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < calls) {
      issued += 1;
      const t = performance.now();
      await session.call(name, args);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { concurrency, calls, callsPerSecond: Math.round(calls / seconds), p50Ms: +percentile(latencies, 50).toFixed(1), p99Ms: +percentile(latencies, 99).toFixed(1) };
}

const talosPort = await freePort();
const everythingPort = await freePort();
const talosUrl = `http://127.0.0.1:${talosPort}/mcp`;
const everythingUrl = `http://127.0.0.1:${everythingPort}/mcp`;
const servers = [
  await startServer(
    process.execPath,
    [join(root, "dist/src/cli.js"), "serve", "--config", join(dir, "config.yaml"), "--transport", "http", "--host", "127.0.0.1", "--port", String(talosPort), "--insecure-no-auth", "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl"), "--log-level", "warn"],
    {},
    talosUrl,
  ),
  await startServer(process.execPath, [peerPath("@modelcontextprotocol/server-everything/dist/index.js"), "streamableHttp"], { PORT: String(everythingPort) }, everythingUrl),
];
try {
  const talos = await openSession(talosUrl);
  const everything = await openSession(everythingUrl);
  const rows = [];
  for (const concurrency of [1, 16, 64]) {
    // Alternate the two no-spawn runs so load on the machine hits both alike.
    const ours = await measure(talos, "policy-check", { text: "talosctl -n 10.0.0.2 version" }, concurrency, CALLS);
    const theirs = await measure(everything, "echo", { message: "talosctl -n 10.0.0.2 version" }, concurrency, CALLS);
    rows.push({ call: "no spawn", server: "talos-mcp policy-check", ...ours });
    rows.push({ call: "no spawn", server: `server-everything ${PEER_VERSIONS["@modelcontextprotocol/server-everything"]} echo`, ...theirs, });
    rows.push({ call: "no spawn", server: "ratio talos-mcp / server-everything (calls/s)", concurrency, ratio: +(ours.callsPerSecond / theirs.callsPerSecond).toFixed(2) });
    rows.push({ call: "spawns talosctl", server: "talos-mcp validate-config", ...(await measure(talos, "validate-config", { file: "bench/controlplane.yaml" }, concurrency, Math.max(2 * concurrency, Math.round(CALLS / 4)))) });
  }
  const result = { machine: machineFacts(), measuredAt: new Date().toISOString(), callsPerLevel: CALLS, rows };
  writeFileSync(join(root, "bench/results/http-throughput.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log("| call | server | concurrency | calls/s | p50 | p99 |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(r.ratio !== undefined ? `| ${r.call} | ${r.server} | ${r.concurrency} | **${r.ratio}×** | | |` : `| ${r.call} | ${r.server} | ${r.concurrency} | ${r.callsPerSecond} | ${r.p50Ms} ms | ${r.p99Ms} ms |`);
} finally {
  for (const child of servers) child.kill("SIGTERM");
}
