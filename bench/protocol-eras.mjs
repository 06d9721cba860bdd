#!/usr/bin/env node
// What the stateless MCP 2026-07-28 path costs next to a 2025-11-25 session: the same requests
// (tools/list, and a read tool: policy-check) over HTTP on loopback, raw, in a 2025 session and as
// 2026-07-28 requests, for which the server builds a fresh McpServer every time. Alternated round by round in one run; reports the ratio of the
// per-request times (modern / legacy), not a timing target. Writes bench/results/protocol-eras.json.
// Run after `npm run build`.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { createAuditLog } from "../dist/src/audit/audit.js";
import { buildConfig, parseServeFlags } from "../dist/src/config.js";
import { createSessionServerFactory } from "../dist/src/server/create-server.js";
import { startHttpServer } from "../dist/src/transports/http.js";
import { ALL_TOOLS } from "../dist/tools/index.js";

const N = Number(process.argv[2] ?? 50);
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-bench-eras-"));
const base = buildConfig({
  flags: parseServeFlags(["--transport", "http", "--port", "0", "--insecure-no-auth", "--workspace", join(dir, "ws"), "--state-dir", join(dir, "state")]),
  env: {},
  cwd: dir,
  knownTools: ALL_TOOLS.map((t) => t.name),
});
const config = Object.freeze({ ...base, http: { ...base.http, rateLimitPerMinute: 1_000_000 } });
const handle = await startHttpServer(config, createSessionServerFactory(config, { audit: createAuditLog({}) }), pino({ level: "silent" }));

// Raw requests, so that only the server's side differs (SDK clients also validate and cache).
const post = async (headers, body) => {
  const res = await fetch(`${handle.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok || !text.includes('"result"')) throw new Error(`${res.status} ${text.slice(0, 200)}`);
  return res;
};
const init = await post({}, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench-2025", version: "1" } } });
const session = { "mcp-session-id": init.headers.get("mcp-session-id"), "mcp-protocol-version": "2025-11-25" };
await post(session, { jsonrpc: "2.0", method: "notifications/initialized" }).catch(() => undefined);
const envelope = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "bench-2026", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const check = { name: "policy-check", arguments: { text: "talosctl upgrade --nodes 10.0.0.2 --image ghcr.io/siderolabs/installer:v1.12.7" } };
let id = 1;
const legacyRequest = (method, params = {}) => post(session, { jsonrpc: "2.0", id: id++, method, params });
const modernRequest = (method, params = {}) =>
  post({ "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(params.name ? { "mcp-name": params.name } : {}) }, { jsonrpc: "2.0", id: id++, method, params: { ...params, _meta: envelope } });
const requests = {
  legacy: { list: () => legacyRequest("tools/list"), call: () => legacyRequest("tools/call", check) },
  modern: { list: () => modernRequest("tools/list"), call: () => modernRequest("tools/call", check) },
};
for (const era of Object.values(requests)) for (const run of Object.values(era)) await run(); // warm: command trees, prompt files

const totals = { legacy: { list: 0, call: 0 }, modern: { list: 0, call: 0 } };
for (let round = 0; round < N; round += 1) {
  for (const era of round % 2 ? ["modern", "legacy"] : ["legacy", "modern"]) {
    for (const kind of ["list", "call"]) {
      const started = performance.now();
      await requests[era][kind]();
      totals[era][kind] += performance.now() - started;
    }
  }
}
const ms = (value) => +(value / N).toFixed(2);
const result = {
  rounds: N,
  legacyMsPerRequest: { toolsList: ms(totals.legacy.list), toolsCall: ms(totals.legacy.call) },
  modernMsPerRequest: { toolsList: ms(totals.modern.list), toolsCall: ms(totals.modern.call) },
  ratio: { toolsList: +(totals.modern.list / totals.legacy.list).toFixed(2), toolsCall: +(totals.modern.call / totals.legacy.call).toFixed(2) },
  measuredAt: new Date().toISOString(),
};
writeFileSync(join(root, "bench/results/protocol-eras.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await handle.close();
