// MCP 2026-07-28 on the wire (raw requests, exact bytes): stateless serving across two replicas
// that share the state directory (the approval store and the request-state key), consent through
// InputRequiredResult with a signed requestState that the client cannot change, replay or hand to
// another caller, server/discover, caching fields, the header rules — and 2025 traffic on the
// same /mcp still gets sessions.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createAuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { defineTool } from "../../src/server/tool-spec.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { fakeMutations, waitingTool } from "../helpers/fake-tools.js";
import { writeTokensFile } from "../helpers/tokens.js";
import { eventually } from "../helpers/wait.js";

const V = "2026-07-28";
const TOKENS = { alice: "tmcp_alice_token_value_0001", dave: "tmcp_dave_token_value_00004", bob: "tmcp_bob_reader_token_0002" };
const ran: string[] = [];
const { reboot } = fakeMutations(ran);
const { tool: slow, stats: slowStats } = waitingTool();
/** A mutation whose plan reads a workspace file: the consent is bound to the file's digest. */
const apply = defineTool({
  name: "fake-apply",
  title: "Fake apply",
  description: "applies a workspace file",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "operator",
  openWorld: false,
  rules: [],
  input: z.object({ file: z.string().describe("file") }).strict(),
  plan: async (args, ctx) => {
    const path = await ctx.workspace.resolve(args.file, "file");
    return { summary: `Apply ${args.file}`, commands: [], targets: ["n1"], impact: [], preview: readFileSync(path, "utf8") };
  },
  run: async (args) => {
    ran.push(`apply ${args.file}`);
    return { structured: { applied: args.file } };
  },
});

let A: HttpHandle;
let B: HttpHandle;
let other: HttpHandle;
let workspace: string;

async function replica(dir: string, stateDir: string, tokensFile: string): Promise<HttpHandle> {
  const base = buildConfig({
    flags: parseServeFlags(["--transport", "http", "--consent", "elicit", "--port", "0", "--tokens", tokensFile, "--workspace", workspace, "--state-dir", stateDir]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  const config = Object.freeze({ ...base, http: { ...base.http, rateLimitPerMinute: 10_000 } });
  return startHttpServer(config, createSessionServerFactory(config, { tools: [slow, reboot, apply], audit: createAuditLog({}) }), pino({ level: "silent" }));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-stateless-"));
  workspace = join(dir, "ws");
  mkdirSync(workspace);
  const tokensFile = writeTokensFile(dir, { alice: { token: TOKENS.alice, role: "admin" }, dave: { token: TOKENS.dave, role: "admin" }, bob: { token: TOKENS.bob, role: "reader" } });
  // Two replicas sharing one state directory, and one with its own (another request-state key).
  [A, B, other] = await Promise.all([replica(dir, join(dir, "state"), tokensFile), replica(dir, join(dir, "state"), tokensFile), replica(dir, join(dir, "state-other"), tokensFile)]);
});
afterAll(async () => {
  await Promise.all([A?.close(), B?.close(), other?.close()]);
});

let nextId = 1;
const envelope = (caps: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": V,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": caps,
});

interface RpcAnswer {
  status: number;
  headers: Headers;
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: any };
  notifications: unknown[];
}

async function rpc(
  server: HttpHandle,
  method: string,
  params: Record<string, any> = {},
  options: { token?: string; caps?: Record<string, unknown>; headers?: Record<string, string>; omit?: string[] } = {},
): Promise<RpcAnswer> {
  const body = { jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: { ...(params._meta ?? {}), ...envelope(options.caps ?? { elicitation: { form: {} } }) } } };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: `Bearer ${options.token ?? TOKENS.alice}`,
    "mcp-protocol-version": V,
    "mcp-method": method,
    ...((params.name ?? params.uri) ? { "mcp-name": params.name ?? params.uri } : {}),
    ...options.headers,
  };
  for (const name of options.omit ?? []) delete headers[name];
  const res = await fetch(`${server.url}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
  const raw = await res.text();
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const messages = raw
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => JSON.parse(line.slice(5)));
    return { status: res.status, headers: res.headers, ...messages.find((m) => m.id !== undefined), notifications: messages.filter((m) => m.id === undefined) };
  }
  return { status: res.status, headers: res.headers, ...(raw ? JSON.parse(raw) : {}), notifications: [] };
}

const text = (answer: RpcAnswer) => ((answer.result?.content ?? []) as { text: string }[]).map((c) => c.text).join("\n");
const accept = { consent: { action: "accept", content: { confirm: true } } };

describe("MCP 2026-07-28 over HTTP", () => {
  it("server/discover, caching fields on lists, no session", async () => {
    const discover = await rpc(A, "server/discover");
    expect(discover.result).toMatchObject({ supportedVersions: expect.arrayContaining([V]), capabilities: { tools: {} }, ttlMs: 300_000, cacheScope: "private" });
    expect(discover.result?._meta?.["io.modelcontextprotocol/serverInfo"]).toMatchObject({ name: "talos-mcp" });
    const list = await rpc(A, "tools/list");
    expect(list.result).toMatchObject({ ttlMs: 300_000, cacheScope: "private", resultType: "complete" });
    expect(list.headers.get("mcp-session-id")).toBeNull();
    const reader = await rpc(A, "tools/list", {}, { token: TOKENS.bob });
    expect(reader.result?.tools.map((t: { name: string }) => t.name)).toEqual(["fake-slow"]);
    // The rules are the same for everyone; the audit is the caller's own.
    expect((await rpc(A, "resources/read", { uri: "talos://rules/no-ssh" })).result).toMatchObject({ ttlMs: 3_600_000, cacheScope: "public" });
    expect((await rpc(A, "resources/read", { uri: "talos://audit/recent" })).result).toMatchObject({ ttlMs: 0, cacheScope: "private" });
    const missing = await rpc(A, "resources/read", { uri: "talos://rules/no-such-rule" });
    expect(missing.error).toMatchObject({ code: -32602, data: { uri: "talos://rules/no-such-rule" } });
  });

  it("the header rules: Mcp-Method and Mcp-Name must match the body; unknown versions and methods are refused", async () => {
    expect(await rpc(A, "tools/list", {}, { omit: ["mcp-method"] })).toMatchObject({ status: 400, error: { code: -32020 } });
    expect(await rpc(A, "tools/call", { name: "fake-slow", arguments: { seconds: 0 } }, { headers: { "mcp-name": "fake-reboot" } })).toMatchObject({ status: 400, error: { code: -32020 } });
    expect(await rpc(A, "tools/call", { name: "fake-slow", arguments: { seconds: 0 } }, { omit: ["mcp-name"] })).toMatchObject({ status: 400, error: { code: -32020 } });
    expect(await rpc(A, "nope/nope")).toMatchObject({ status: 404, error: { code: -32601 } });
    expect(await rpc(A, "tools/list", {}, { headers: { "mcp-protocol-version": "2099-01-01" } })).toMatchObject({ status: 400 });
  });

  it("progress travels on the request's own stream", async () => {
    const answer = await rpc(A, "tools/call", { name: "fake-slow", arguments: { seconds: 0 }, _meta: { progressToken: "p1" } });
    expect(answer.result?.structuredContent).toEqual({ done: true });
    expect(answer.notifications.length).toBeGreaterThanOrEqual(1);
  });

  it("consent: asked on one replica, answered on the other; the signed state cannot be changed, replayed or handed over", async () => {
    const args = { node: "n-stateless" };
    const round1 = await rpc(A, "tools/call", { name: "fake-reboot", arguments: args });
    expect(round1.result).toMatchObject({ resultType: "input_required", inputRequests: { consent: { method: "elicitation/create" } } });
    expect(round1.result?.ttlMs).toBeUndefined();
    const state = round1.result!.requestState as string;
    // Signed, not encrypted: the client can read it, so it only names the stored plan.
    const payload = JSON.parse(Buffer.from(state.split(".")[1]!, "base64url").toString());
    expect(Object.keys(payload.p).sort()).toEqual(["ask", "planId", "tool", "v"]);

    const [version, body, mac] = state.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payload, p: { ...payload.p, tool: "fake-apply" } })).toString("base64url");
    expect((await rpc(B, "tools/call", { name: "fake-reboot", arguments: args, inputResponses: accept, requestState: `${version}.${forged}.${mac}` })).error).toMatchObject({ code: -32602 });
    expect((await rpc(B, "tools/call", { name: "fake-reboot", arguments: args, inputResponses: accept, requestState: state }, { token: TOKENS.dave })).error).toMatchObject({ code: -32602 });
    expect((await rpc(other, "tools/call", { name: "fake-reboot", arguments: args, inputResponses: accept, requestState: state })).error).toMatchObject({ code: -32602 });
    const swapped = await rpc(B, "tools/call", { name: "fake-reboot", arguments: { node: "n-other" }, inputResponses: accept, requestState: state });
    expect(text(swapped)).toMatch(/arguments or targets differ/);
    expect(ran).not.toContain("reboot n-other");

    // The swapped attempt burnt the plan (used once, whatever follows); a fresh question runs on B.
    const fresh = (await rpc(A, "tools/call", { name: "fake-reboot", arguments: args })).result!.requestState as string;
    const again = await rpc(A, "tools/call", { name: "fake-reboot", arguments: args, requestState: fresh });
    expect(again.result?.resultType).toBe("input_required");
    const done = await rpc(B, "tools/call", { name: "fake-reboot", arguments: args, inputResponses: accept, requestState: fresh });
    expect(done.result?.isError, text(done)).toBeFalsy();
    expect(ran.filter((entry) => entry === "reboot n-stateless")).toHaveLength(1);
    const replay = await rpc(A, "tools/call", { name: "fake-reboot", arguments: args, inputResponses: accept, requestState: fresh });
    expect(text(replay)).toMatch(/already used/);
    expect(ran.filter((entry) => entry === "reboot n-stateless")).toHaveLength(1);
  });

  it("consent is bound to the files the plan read: a file changed between the rounds is refused by name", async () => {
    writeFileSync(join(workspace, "cp.yaml"), "machine:\n  type: controlplane\n");
    const round1 = await rpc(A, "tools/call", { name: "fake-apply", arguments: { file: "cp.yaml" } });
    writeFileSync(join(workspace, "cp.yaml"), "machine:\n  type: worker\n");
    const round2 = await rpc(B, "tools/call", { name: "fake-apply", arguments: { file: "cp.yaml" }, inputResponses: accept, requestState: round1.result!.requestState });
    expect(text(round2)).toMatch(/cp\.yaml changed after plan plan-/);
    expect(ran).not.toContain("apply cp.yaml");
  });

  it("a request without elicitation never gets an input request: the plan waits for a person", async () => {
    const answer = await rpc(A, "tools/call", { name: "fake-reboot", arguments: { node: "n-nocaps" } }, { caps: {} });
    expect(answer.result?.resultType ?? "complete").toBe("complete");
    expect(answer.result?.isError).toBe(true);
    expect(answer.result?._meta?.["io.github.talos-mcp/verdict"]).toMatchObject({ decision: "awaiting-approval" });
  });

  it("the per-token limit on concurrent calls holds without sessions", async () => {
    const calls = Array.from({ length: 4 }, () => new AbortController());
    const running = calls.map((controller) =>
      fetch(`${A.url}/mcp`, {
        method: "POST",
        signal: controller.signal,
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${TOKENS.dave}`, "mcp-protocol-version": V, "mcp-method": "tools/call", "mcp-name": "fake-slow" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name: "fake-slow", arguments: { seconds: 30 }, _meta: envelope({}) } }),
      }).catch(() => undefined),
    );
    try {
      await eventually(async () => expect(slowStats.inFlight).toBe(4));
      const over = await rpc(A, "tools/call", { name: "fake-slow", arguments: { seconds: 0 } }, { token: TOKENS.dave });
      expect(over.status).toBe(429);
      expect((await rpc(A, "tools/call", { name: "fake-slow", arguments: { seconds: 0 } })).result?.structuredContent).toEqual({ done: true });
    } finally {
      calls.forEach((controller) => controller.abort());
      await Promise.all(running);
    }
    await eventually(async () => expect(slowStats.inFlight).toBe(0));
  });

  it("2025 traffic on the same /mcp still gets a session", async () => {
    const init = await fetch(`${A.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    expect(init.status).toBe(200);
    expect(init.headers.get("mcp-session-id")).toBeTruthy();
    await init.text();
  });
});
