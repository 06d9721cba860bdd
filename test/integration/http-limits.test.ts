// Legacy SSE has the same limits as /mcp (per-token concurrent calls), every token has a session
// cap, and the tokens file is re-read on change: a revoked (or changed) token is refused at once
// and its open sessions stop being served, without a restart. Real HTTP on loopback, the SDK's
// clients.
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createAuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags, type Config } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { waitingTool } from "../helpers/fake-tools.js";
import { connectHttp } from "../helpers/http-client.js";
import { tokensYaml } from "../helpers/tokens.js";

const MAX_CALLS = 4;
const MAX_SESSIONS = 2;
const { tool: slow, stats } = waitingTool();
const tools = [...ALL_TOOLS.filter((t) => t.name === "policy-check"), slow];

type Grant = { name: string; token: string; role: "reader" | "operator" | "admin" };
const ALICE: Grant = { name: "alice", token: "tmcp_limits_alice_1", role: "admin" };
const BOB: Grant = { name: "bob", token: "tmcp_limits_bob_2", role: "admin" };
const CAROL: Grant = { name: "carol", token: "tmcp_limits_carol_3", role: "reader" };
const DAVE: Grant = { name: "dave", token: "tmcp_limits_dave_4", role: "reader" };

let dir: string;
let tokensFile: string;
let handle: HttpHandle;
let config: Config;

/** Writes the tokens file the way `talos-mcp token add` does: a temp file renamed into place. */
function writeTokens(grants: Grant[]): void {
  const temporary = `${tokensFile}.tmp`;
  writeFileSync(temporary, tokensYaml(Object.fromEntries(grants.map((g) => [g.name, { token: g.token, role: g.role }]))), { mode: 0o600 });
  renameSync(temporary, tokensFile);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Status (and body) of an initialize over /mcp; a session it opens is closed again at once unless `keep`. */
async function initialize(token: string, keep = false): Promise<{ status: number; text: string; session: string | null }> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
  const res = await fetch(`${handle.url}/mcp`, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
  });
  const text = await res.text();
  const session = res.headers.get("mcp-session-id");
  if (session && !keep) await fetch(`${handle.url}/mcp`, { method: "DELETE", headers: { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } });
  return { status: res.status, text, session };
}

/** Status of a ping in an existing /mcp session. */
async function ping(token: string, session: string): Promise<number> {
  const res = await fetch(`${handle.url}/mcp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "talos-mcp-http-limits-"));
  tokensFile = join(dir, "tokens.yaml");
  writeTokens([ALICE, BOB, DAVE]);
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, stringify({ http: { maxConcurrentCalls: MAX_CALLS, maxSessionsPerToken: MAX_SESSIONS, rateLimitPerMinute: 1000 } }));
  config = buildConfig({
    flags: parseServeFlags(["--config", configFile, "--transport", "http", "--port", "0", "--tokens", tokensFile, "--workspace", join(dir, "ws"), "--state-dir", join(dir, "st")]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  handle = await startHttpServer(config, createSessionServerFactory(config, { tools, audit: createAuditLog({}) }), pino({ level: "silent" }));
});
afterAll(async () => handle?.close());

describe("legacy SSE has the limits of /mcp", () => {
  it(`runs at most ${MAX_CALLS} tool calls of one token at once over /messages; the rest get 429`, async () => {
    const { client } = await connectHttp(handle.url, ALICE.token, "sse");
    stats.maxInFlight = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.callTool({ name: "fake-slow", arguments: { seconds: 0.8 } }).then(
          () => "ran",
          (error: Error) => String(error),
        ),
      ),
    );
    expect(stats.maxInFlight).toBeLessThanOrEqual(MAX_CALLS);
    expect(outcomes.filter((o) => o === "ran").length).toBeGreaterThan(0);
    const refused = outcomes.filter((o) => o !== "ran");
    expect(refused.length).toBeGreaterThanOrEqual(10 - MAX_CALLS);
    for (const outcome of refused) expect(outcome).toMatch(/429/);
    // Slots come back when the answers went out: the token can call again.
    expect((await client.callTool({ name: "fake-slow", arguments: { seconds: 0 } })).isError).toBeFalsy();
    await client.close();
  });
});

describe("per-token session cap", () => {
  it(`a token holds at most ${MAX_SESSIONS} sessions across /mcp and /sse; sessions in use are never closed; other tokens are not affected`, async () => {
    const first = await connectHttp(handle.url, BOB.token, "sse");
    const second = await connectHttp(handle.url, BOB.token, "sse");
    const third = await initialize(BOB.token);
    expect(third.status).toBe(429);
    expect(third.text).toMatch(/at most 2 sessions per token, all in use/);
    await expect(connectHttp(handle.url, BOB.token, "streamable")).rejects.toThrow();
    const alice = await initialize(ALICE.token);
    expect(alice.status).toBe(200);
    await second.client.close();
    await until(async () => (await initialize(BOB.token)).status === 200, "bob may open a session again");
    await first.client.close();
  });

  it("at the cap, the least recently used idle /mcp session makes room (clients that never DELETE are not locked out)", async () => {
    const older = await initialize(DAVE.token, true);
    const newer = await initialize(DAVE.token, true);
    expect(await ping(DAVE.token, newer.session!)).toBe(200);
    const third = await initialize(DAVE.token, true);
    expect(third.status).toBe(200);
    // The least recently used one was closed; the one used more recently still works.
    expect(await ping(DAVE.token, older.session!)).toBe(404);
    expect(await ping(DAVE.token, newer.session!)).toBe(200);
    expect(await ping(DAVE.token, third.session!)).toBe(200);
  });
});

describe("the tokens file is re-read on change", () => {
  it("a removed token is refused and its open SSE and /mcp sessions stop being served; a new token works without a restart", async () => {
    writeTokens([ALICE, BOB]);
    // Bob's SSE stream, read raw: the server ends it when the token goes.
    const stream = await fetch(`${handle.url}/sse`, { headers: { authorization: `Bearer ${BOB.token}` } });
    expect(stream.status).toBe(200);
    let sseEnded = false;
    void (async () => {
      const reader = stream.body!.getReader();
      while (!(await reader.read()).done);
      sseEnded = true;
    })().catch(() => void (sseEnded = true));
    const bob = await connectHttp(handle.url, BOB.token, "streamable");
    const alice = await connectHttp(handle.url, ALICE.token, "streamable");
    writeTokens([ALICE, CAROL]);
    await until(() => sseEnded, "bob's SSE stream has ended");
    expect((await initialize(BOB.token)).status).toBe(401);
    await expect(bob.client.callTool({ name: "policy-check", arguments: { text: "$ talosctl version" } })).rejects.toThrow(/bearer token is not valid/);
    expect((await alice.client.callTool({ name: "policy-check", arguments: { text: "$ talosctl version" } })).isError).toBeFalsy();
    const carol = await connectHttp(handle.url, CAROL.token, "streamable");
    expect((await carol.client.listTools()).tools.map((t) => t.name)).toEqual(["policy-check", "fake-slow"]);
    await carol.client.close();
    await alice.client.close();
  });

  it("a token whose role changes loses its sessions (built for the old role) and comes back with the new one", async () => {
    writeTokens([ALICE, BOB]);
    const bob = await connectHttp(handle.url, BOB.token, "streamable");
    expect((await bob.client.callTool({ name: "fake-slow", arguments: { seconds: 0 } })).isError).toBeFalsy();
    writeTokens([ALICE, { ...BOB, role: "reader" }]);
    await until(
      () =>
        bob.client.callTool({ name: "fake-slow", arguments: { seconds: 0 } }).then(
          () => false,
          (error: Error) => /404|unknown or expired session/.test(String(error)),
        ),
      "bob's old session is gone",
    );
    writeTokens([ALICE, BOB]);
  });

  it("an invalid tokens file refuses every token until it is fixed", async () => {
    writeFileSync(tokensFile, "tokens: [ {name: broken");
    await until(async () => (await initialize(ALICE.token)).status === 401, "alice is refused");
    writeTokens([ALICE]);
    await until(async () => (await initialize(ALICE.token)).status === 200, "alice is accepted again");
  });
});
