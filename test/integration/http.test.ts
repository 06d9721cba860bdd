// The HTTP transport on a real loopback server with the SDK's Streamable HTTP and SSE clients:
// offline tools, elicitation and progress over HTTP, cancellation on disconnect, and the
// security checks (tokens, Host, Origin, body size, rate and concurrency limits, session binding,
// per-token roles).
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createAuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags, type Config } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { defineTool, type AnyToolSpec } from "../../src/server/tool-spec.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { waitingTool } from "../helpers/fake-tools.js";
import { connectHttp } from "../helpers/http-client.js";
import { writeTokensFile } from "../helpers/tokens.js";

const TOKENS = { admin: "tmcp_admin_token_value_1", reader: "tmcp_reader_token_value_2", old: "tmcp_expired_token_value_3" };
const { tool: slow, stats } = waitingTool();
const mutate = defineTool({
  name: "fake-mutate",
  title: "Mutate",
  description: "changes something",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "operator",
  openWorld: false,
  rules: [],
  input: z.object({}).strict(),
  plan: async () => ({ summary: "Change it", commands: [], targets: ["n1"], impact: [] }),
  run: async () => ({ structured: { changed: true } }),
});
const tools: AnyToolSpec[] = [...ALL_TOOLS.filter((t) => t.name === "policy-check"), slow, mutate];

let handle: HttpHandle;
let config: Config;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-http-"));
  const tokensFile = writeTokensFile(dir, {
    alice: { token: TOKENS.admin, role: "admin" },
    bob: { token: TOKENS.reader, role: "reader" },
    carol: { token: TOKENS.old, role: "admin", expires: "2020-01-01" },
  });
  const base = buildConfig({
    // elicit: these tests exercise elicitation over HTTP (the HTTP default, approve, is tested in approval-http.test.ts).
    flags: parseServeFlags(["--transport", "http", "--consent", "elicit", "--port", "0", "--tokens", tokensFile, "--workspace", join(dir, "ws"), "--state-dir", join(dir, "st")]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  config = Object.freeze({ ...base, http: { ...base.http, bodyLimit: 50_000, rateLimitPerMinute: 1000, maxConcurrentCalls: 1 } });
  handle = await startHttpServer(config, createSessionServerFactory(config, { tools, audit: createAuditLog({}) }), pino({ level: "silent" }));
});
afterAll(async () => handle?.close());

const connect = (token: string, kind: "streamable" | "sse" = "streamable", elicit = false) => connectHttp(handle.url, token, kind, elicit);

const post = (headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "ping" }) =>
  fetch(`${handle.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("Streamable HTTP and SSE", () => {
  it("lists and calls tools over Streamable HTTP", async () => {
    const { client } = await connect(TOKENS.admin);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["policy-check", "fake-slow", "fake-mutate"]);
    const result = await client.callTool({ name: "policy-check", arguments: { text: "$ ssh root@10.0.0.2" } });
    expect((result.structuredContent as { clean: boolean }).clean).toBe(false);
    await client.close();
  });

  it("works over legacy SSE with the same auth", async () => {
    const { client } = await connect(TOKENS.admin, "sse");
    const result = await client.callTool({ name: "policy-check", arguments: { text: "$ talosctl version" } });
    expect(result.isError).toBeFalsy();
    await client.close();
  });

  it("elicitation and progress travel on the call's stream", async () => {
    const { client } = await connect(TOKENS.admin, "streamable", true);
    expect((await client.callTool({ name: "fake-mutate", arguments: {} })).structuredContent).toEqual({ changed: true });
    let progress = 0;
    await client.callTool({ name: "fake-slow", arguments: { seconds: 0.2 } }, undefined, { onprogress: () => (progress += 1) });
    expect(progress).toBeGreaterThan(0);
    await client.close();
  });

  it("a reader token neither sees nor runs mutations", async () => {
    const { client } = await connect(TOKENS.reader);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("fake-mutate");
    const denied = await client.callTool({ name: "fake-mutate", arguments: {} });
    expect((denied.content as { text: string }[])[0]!.text).toMatch(/Denied by rule role-ceiling/);
    await client.close();
  });

  it("a client that disconnects mid-call cancels it", async () => {
    const { client, transport } = await connect(TOKENS.admin);
    const before = stats.cancelled;
    void client.callTool({ name: "fake-slow", arguments: { seconds: 30 } }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await transport.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(stats.cancelled).toBe(before + 1);
  });
});

describe("HTTP security", () => {
  const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } };

  it("401 without, with a bad, or with an expired token", async () => {
    for (const auth of [undefined, "Bearer nope", `Bearer ${TOKENS.old}`]) {
      const res = await post(auth ? { authorization: auth } : {}, init);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("403 for a foreign Host or Origin; no CORS headers by default", async () => {
    const auth = { authorization: `Bearer ${TOKENS.admin}` };
    const port = new URL(handle.url).port;
    const host = await new Promise<number>((resolve, reject) => {
      const req = request(`${handle.url}/mcp`, { method: "POST", headers: { ...auth, host: `evil.example:${port}`, "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(JSON.stringify(init));
    });
    expect(host).toBe(403);
    const origin = await post({ ...auth, origin: "https://evil.example" }, init);
    expect(origin.status).toBe(403);
    const ok = await post(auth, init);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("413 for an oversized body", async () => {
    const res = await post({ authorization: `Bearer ${TOKENS.admin}` }, JSON.stringify({ ...init, pad: "x".repeat(60_000) }));
    expect(res.status).toBe(413);
  });

  it("a session id is bound to the token that created it", async () => {
    const { transport } = await connect(TOKENS.admin);
    const sessionId = transport.sessionId!;
    const hijack = await post({ authorization: `Bearer ${TOKENS.reader}`, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" });
    expect(hijack.status).toBe(404);
    const stale = await post({ authorization: `Bearer ${TOKENS.admin}`, "mcp-session-id": "not-a-session", "mcp-protocol-version": "2025-11-25" });
    expect(stale.status).toBe(404);
    await transport.close();
  });

  it("429 when a token exceeds its concurrent calls", async () => {
    const { client } = await connect(TOKENS.admin);
    const first = client.callTool({ name: "fake-slow", arguments: { seconds: 1 } });
    await new Promise((r) => setTimeout(r, 200));
    const second = await client.callTool({ name: "fake-slow", arguments: { seconds: 0 } }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(String(second)).toMatch(/429|at most 1 tool call/);
    await first;
    await client.close();
  });

  it("/healthz answers without auth", async () => {
    const res = await fetch(`${handle.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
