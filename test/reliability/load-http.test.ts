// Load over HTTP on loopback: the built server (with its simulated cluster) under N concurrent
// sessions, each with its own token, each making M mixed calls — tool calls (policy-check, and
// talosctl version against a simulated node), tools/list, resources/read, prompts/list — with the
// DEFAULT limits. Every call must succeed; p50/p99 latency is reported; afterwards, with every
// session closed, the server's open file descriptors are back to their baseline and its memory
// has not grown with a second round. Bounded: TALOS_MCP_LOAD_SESSIONS × TALOS_MCP_LOAD_CALLS
// (50 × 200), and a deadline after which it stops and fails.
//
// Then the limits themselves: a burst past a token's allowance gets 429 with Retry-After and
// nothing else, and the calls within it all succeed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { buildConfig, parseServeFlags } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { startHttpServer } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { openFds, rssMiB } from "../helpers/processes.js";
import { CLI } from "../helpers/stdio-server.js";
import { recordOutput } from "../helpers/test-run.js";
import { tokensYaml } from "../helpers/tokens.js";

const SESSIONS = Number(process.env.TALOS_MCP_LOAD_SESSIONS ?? 50);
const CALLS = Number(process.env.TALOS_MCP_LOAD_CALLS ?? 200);
/**
 * The server's old-space cap. RSS after a round says when V8 chose to collect, not what is still
 * held (and the in-process simulator's event record grows with every call by design): a leak shows
 * as a server that runs out of its capped heap and fails calls, which the round counts.
 */
const HEAP_CAP_MIB = 256;
const DEADLINE_MS = 15 * 60_000;
const token = (i: number) => `tmcp_load_${i}_${"x".repeat(24)}`;


let server: ChildProcess;
let baseUrl: string;
let stderr = "";

async function startServer(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "talos-mcp-load-"));
  const tokens = join(root, "tokens.yaml");
  writeFileSync(tokens, tokensYaml(Object.fromEntries(Array.from({ length: SESSIONS + 1 }, (_, i) => [`agent-${i}`, { token: token(i), role: "reader" as const }]))));
  server = spawn(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, CLI, "serve", "--transport", "http", "--host", "127.0.0.1", "--port", "0", "--tokens", tokens, "--workspace", join(root, "ws"), "--state-dir", join(root, "state"), "--sim", "running-3cp-2w", "--log-level", "info"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root },
  });
  baseUrl = await new Promise<string>((resolve, reject) => {
    server.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      recordOutput("server stderr", chunk.toString());
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/mcp"/.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    server.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr.slice(-2000)}`)));
  });
}

async function connect(i: number): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token(i)}` } } });
  const client = new Client({ name: `load-${i}`, version: "1" });
  await client.connect(transport);
  return { client, transport };
}

/** The node address of the simulated cp-1, read through a talos://sim resource. */
async function simNode(client: Client): Promise<string> {
  const nodes = await client.readResource({ uri: "talos://sim/nodes" });
  const text = (nodes.contents[0] as { text: string }).text;
  return (JSON.parse(text) as { name: string; address: string }[]).find((n) => n.name === "cp-1")!.address;
}

/** One session's calls: a fixed mix, so every run does the same work. */
async function session(i: number, node: string, latencies: number[], failures: string[]): Promise<void> {
  const { client, transport } = await connect(i);
  try {
    for (let n = 0; n < CALLS; n++) {
      const started = performance.now();
      try {
        const kind = n % 20;
        if (kind === 0) await client.listTools();
        else if (kind === 1) await client.readResource({ uri: "talos://rules" });
        else if (kind === 2) await client.listPrompts();
        else if (kind === 3 && n % 40 === 3) {
          const result = await client.callTool({ name: "version", arguments: { nodes: [node] } }, undefined, { timeout: 120_000 });
          if (result.isError) failures.push(`version: ${JSON.stringify(result.content).slice(0, 200)}`);
        } else {
          const result = await client.callTool({ name: "policy-check", arguments: { text: `$ talosctl etcd snapshot db-${i}-${n}.snapshot --nodes 10.5.0.${n % 250}` } });
          if (result.isError) failures.push(`policy-check: ${JSON.stringify(result.content).slice(0, 200)}`);
        }
      } catch (error) {
        // fetch's own message ("fetch failed") says nothing: the socket-level cause does.
        const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
        failures.push(`session ${i} call ${n}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
      }
      latencies.push(performance.now() - started);
    }
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function round(node: string): Promise<{ latencies: number[]; failures: string[]; ms: number }> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`load did not finish within ${DEADLINE_MS} ms`)), DEADLINE_MS)));
  try {
    await Promise.race([Promise.all(Array.from({ length: SESSIONS }, (_, i) => session(i, node, latencies, failures))), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return { latencies: latencies.sort((a, b) => a - b), failures, ms: Date.now() - started };
}

/** Lets the server settle: closed sockets released, timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

/** Open descriptors once idle keep-alive connections have closed (both sides time them out in seconds). */
async function settledFds(pid: number, baseline: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  let fds = openFds(pid);
  while (fds > baseline + 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    fds = openFds(pid);
  }
  return fds;
}

beforeAll(startServer, 120_000);
afterAll(async () => {
  if (!server || server.exitCode !== null) return;
  // Gone before the run directory is removed: a server still writing keeps it from going.
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
});

describe("load over HTTP with the default limits", () => {
  it(`${SESSIONS} concurrent sessions × ${CALLS} mixed calls: no call fails; descriptors back to baseline; memory stays within a capped heap`, async () => {
    // Warm up (command tree, simulator connection, JIT), then take the baseline.
    const warm = await connect(SESSIONS);
    const node = await simNode(warm.client);
    await warm.client.callTool({ name: "version", arguments: { nodes: [node] } }, undefined, { timeout: 120_000 });
    await warm.transport.terminateSession();
    await warm.client.close();
    await settle();
    const baseline = { fds: openFds(server.pid!), rss: rssMiB(server.pid!) };

    const first = await round(node);
    const afterFirst = { fds: await settledFds(server.pid!, baseline.fds), rss: rssMiB(server.pid!) };
    const second = await round(node);
    const afterSecond = { fds: await settledFds(server.pid!, baseline.fds), rss: rssMiB(server.pid!) };

    const all = [...first.latencies, ...second.latencies].sort((a, b) => a - b);
    console.log(
      `load: ${SESSIONS} sessions × ${CALLS} calls, twice: ${first.ms} ms and ${second.ms} ms; ` +
        `p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms, max ${all.at(-1)!.toFixed(1)} ms; ` +
        `fds ${baseline.fds} → ${afterFirst.fds} → ${afterSecond.fds}; RSS ${baseline.rss.toFixed(0)} → ${afterFirst.rss.toFixed(0)} → ${afterSecond.rss.toFixed(0)} MiB`,
    );
    expect(first.failures.slice(0, 5)).toEqual([]);
    expect(second.failures.slice(0, 5)).toEqual([]);
    expect(all).toHaveLength(2 * SESSIONS * CALLS);
    expect(afterFirst.fds).toBeLessThanOrEqual(baseline.fds + 2);
    expect(afterSecond.fds).toBeLessThanOrEqual(baseline.fds + 2);
    // Two rounds of calls ran inside the capped heap, and the server is still up and bounded.
    expect(server.exitCode).toBeNull();
    expect(afterSecond.rss).toBeLessThan(baseline.rss + HEAP_CAP_MIB);
  }, 2 * DEADLINE_MS + 60_000);
});

describe("over the limits", () => {
  it("a burst past a token's allowance gets 429 with Retry-After, and nothing else", async () => {
    // A fresh token with the default burst: it goes through whole, the calls after it are refused.
    const i = SESSIONS; // the warm-up token; its session is closed, its bucket nearly full
    const post = (body: unknown, session?: string) =>
      fetch(`${baseUrl}/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${token(i)}`, "content-type": "application/json", accept: "application/json, text/event-stream", ...(session ? { "mcp-session-id": session } : {}) },
        body: JSON.stringify(body),
      });
    const init = await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "burst", version: "1" } } });
    const session = init.headers.get("mcp-session-id")!;
    await init.text();
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session).then((r) => r.text());
    const statuses = new Map<number, number>();
    const retryAfter: string[] = [];
    for (let n = 1; n <= 400; n++) {
      const res = await post({ jsonrpc: "2.0", id: n, method: "tools/call", params: { name: "policy-check", arguments: { text: "talosctl version" } } }, session);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 429) retryAfter.push(res.headers.get("retry-after") ?? "");
      await res.text();
    }
    // Protocol traffic is not counted: a list still works while tool calls are refused.
    const list = await post({ jsonrpc: "2.0", id: 999, method: "tools/list" }, session);
    expect(list.status).toBe(200);
    await list.text();
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    // The whole burst, plus what refilled while the requests went out; the rest refused.
    expect(statuses.get(200)).toBeGreaterThanOrEqual(240);
    expect(statuses.get(200)! + statuses.get(429)!).toBe(400);
    expect(retryAfter.every((value) => /^[1-9]\d*$/.test(value))).toBe(true);
  }, 600_000);
});

describe("a legitimate client's burst on a loopback server without tokens", () => {
  it("many sessions never closed and a few hundred requests, as the MCP conformance suite makes: no 429", async () => {
    const root = mkdtempSync(join(tmpdir(), "talos-mcp-burst-"));
    const config = buildConfig({
      flags: parseServeFlags(["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--insecure-no-auth", "--workspace", join(root, "ws"), "--state-dir", join(root, "state")]),
      env: {},
      cwd: root,
      knownTools: ALL_TOOLS.map((tool) => tool.name),
    });
    const handle = await startHttpServer(config, createSessionServerFactory(config), pino({ level: "silent" }));
    try {
      const clients: Client[] = [];
      for (let i = 0; i < 40; i++) {
        const client = new Client({ name: `conformance-like-${i}`, version: "1" });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${handle.url}/mcp`)));
        await client.listTools();
        await client.ping();
        for (let n = 0; n < 2; n++) expect((await client.callTool({ name: "policy-check", arguments: { text: `talosctl version ${n}` } })).isError).toBeFalsy();
        // Closed without DELETE: the server keeps the session until it idles out.
        await client.close();
        clients.push(client);
      }
      const last = new Client({ name: "conformance-like-last", version: "1" });
      await last.connect(new StreamableHTTPClientTransport(new URL(`${handle.url}/mcp`)));
      for (let n = 0; n < 100; n++) expect((await last.callTool({ name: "policy-check", arguments: { text: `talosctl version ${n}` } })).isError).toBeFalsy();
      await last.close();
    } finally {
      await handle.close();
    }
  }, 600_000);
});
