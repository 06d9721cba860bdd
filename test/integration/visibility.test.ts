// Resources, prompts and completions obey the same filters as tools (toolsets, role, the caller's
// token toolsets), over real HTTP with tokens of different roles and toolsets and with the
// in-memory client: a reader limited to `docs` reads neither other callers' audit entries nor the
// contexts and node addresses completions would offer; the audit resource shows a caller only its
// own calls unless it is an admin.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createAuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags, type Config } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { loadPrompts } from "../../prompts/index.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { connectHttp } from "../helpers/http-client.js";
import { session } from "../helpers/session.js";
import { writeTokensFile } from "../helpers/tokens.js";

const TOKENS = { admin: "tmcp_visibility_admin_1", docsReader: "tmcp_visibility_docs_2", reader: "tmcp_visibility_reader_3" };
const SECRET_ADDRESS = "10.9.8.7";
const CONTEXT = "prod-admin";

let handle: HttpHandle;
let config: Config;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-visibility-"));
  const tokensFile = writeTokensFile(dir, {
    alice: { token: TOKENS.admin, role: "admin" },
    dora: { token: TOKENS.docsReader, role: "reader", toolsets: ["docs"] },
    bob: { token: TOKENS.reader, role: "reader" },
  });
  const talosconfig = join(dir, "talosconfig");
  writeFileSync(talosconfig, stringify({ context: CONTEXT, contexts: { [CONTEXT]: { endpoints: [SECRET_ADDRESS], nodes: [SECRET_ADDRESS] } } }));
  const ws = join(dir, "ws");
  mkdirSync(join(ws, "demo"), { recursive: true });
  writeFileSync(join(ws, "demo/talosconfig"), "");
  writeFileSync(join(ws, "demo/cluster-state.json"), JSON.stringify({ nodes: { [SECRET_ADDRESS]: { role: "controlplane" } } }));
  const base = buildConfig({
    flags: parseServeFlags(["--transport", "http", "--port", "0", "--tokens", tokensFile, "--workspace", ws, "--state-dir", join(dir, "st"), "--talosconfig", talosconfig]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  config = Object.freeze({ ...base, http: { ...base.http, rateLimitPerMinute: 1000 } });
  handle = await startHttpServer(config, createSessionServerFactory(config, { audit: createAuditLog({}) }), pino({ level: "silent" }));
  // Alice's call carries a node address in its arguments and argv.
  const alice = await connectHttp(handle.url, TOKENS.admin);
  await alice.client.callTool({ name: "policy-check", arguments: { text: `$ talosctl --nodes ${SECRET_ADDRESS} version` } });
  await alice.client.close();
});
afterAll(async () => handle?.close());

/** Names a client can list; a capability the server did not announce lists nothing. */
async function listed(client: Client) {
  const caps = client.getServerCapabilities() ?? {};
  const resources = caps.resources ? (await client.listResources()).resources.map((r) => r.uri) : [];
  const templates = caps.resources ? (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate) : [];
  const prompts = caps.prompts ? (await client.listPrompts()).prompts.map((p) => p.name) : [];
  return { resources: [...resources, ...templates], prompts };
}

async function auditSeenBy(client: Client) {
  const contents = (await client.readResource({ uri: "talos://audit/recent" })).contents[0] as { text: string };
  return { text: contents.text, entries: JSON.parse(contents.text) as { caller: string; tool: string }[] };
}

/** Completion values, or [] when the server refuses to complete for this caller. */
const completion = (client: Client, ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string }, name: string, value: string, args?: Record<string, string>) =>
  client
    .complete({ ref, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) })
    .then((result) => result.completion.values)
    .catch(() => [] as string[]);

describe("resources, prompts and completions over HTTP", () => {
  it("a reader limited to docs sees docs resources and its own audit entries only, no prompt and no completion of contexts or nodes", async () => {
    const { client } = await connectHttp(handle.url, TOKENS.docsReader);
    await client.callTool({ name: "docs-search", arguments: {} });
    const { resources, prompts } = await listed(client);
    expect(resources).toEqual(expect.arrayContaining(["docs://versions", "talos://audit/recent"]));
    expect(resources.filter((uri) => !uri.startsWith("docs://") && uri !== "talos://audit/recent")).toEqual([]);
    expect(prompts).toEqual([]);
    const audit = await auditSeenBy(client);
    expect(audit.entries.map((e) => e.caller)).toEqual(["dora"]);
    expect(audit.text).not.toContain(SECRET_ADDRESS);
    await expect(client.readResource({ uri: "talos://rules" })).rejects.toThrow();
    for (const [prompt, argument, args] of [
      ["troubleshoot-node", "cluster", undefined],
      ["troubleshoot-node", "node", { cluster: "demo" }],
      ["upgrade-talos", "cluster", undefined],
    ] as const) {
      const values = await completion(client, { type: "ref/prompt", name: prompt }, argument, "", args);
      expect(values, `${prompt}.${argument}`).toEqual([]);
    }
    expect(await completion(client, { type: "ref/resource", uri: "talos://rules/{id}" }, "id", "")).toEqual([]);
    await client.close();
  });

  it("a reader sees read-only workflows and completes them; the audit shows only its own calls", async () => {
    const { client } = await connectHttp(handle.url, TOKENS.reader);
    await client.callTool({ name: "policy-check", arguments: { text: "$ talosctl version" } });
    const { resources, prompts } = await listed(client);
    expect(resources).toEqual(expect.arrayContaining(["talos://rules", "docs://versions", "talos://audit/recent"]));
    expect(prompts).toContain("troubleshoot-node");
    for (const name of ["create-cluster", "upgrade-talos", "etcd-backup-restore"]) expect(prompts).not.toContain(name);
    expect((await auditSeenBy(client)).entries.map((e) => e.caller)).toEqual(["bob"]);
    expect(await completion(client, { type: "ref/prompt", name: "troubleshoot-node" }, "cluster", "")).toEqual(expect.arrayContaining(["demo", CONTEXT]));
    expect(await completion(client, { type: "ref/prompt", name: "create-cluster" }, "cluster", "")).toEqual([]);
    await client.close();
  });

  it("an admin sees every resource family and prompt, and every caller's audit entries", async () => {
    const { client } = await connectHttp(handle.url, TOKENS.admin);
    const { resources, prompts } = await listed(client);
    expect(resources).toEqual(expect.arrayContaining(["talos://rules", "talos://rules/{id}", "docs://versions", "talos://audit/recent"]));
    expect(prompts.sort()).toEqual(loadPrompts().map((p) => p.name).sort());
    const callers = new Set((await auditSeenBy(client)).entries.map((e) => e.caller));
    expect([...callers].sort()).toEqual(["alice", "bob", "dora"]);
    expect(await completion(client, { type: "ref/prompt", name: "troubleshoot-node" }, "node", "", { cluster: "demo" })).toEqual([SECRET_ADDRESS]);
    await client.close();
  });
});

describe("the same filters with the in-memory client", () => {
  it("a docs-only reader session lists no prompt, no rules and no one else's audit entries", async () => {
    const { client, call, audit } = await session(config, { role: "reader", caller: { name: "dora-local", toolsets: ["docs"] } });
    audit.record({ time: new Date().toISOString(), transport: "memory", caller: "someone-else", tool: "apply", args: { nodes: [SECRET_ADDRESS] }, decision: "allowed", rules: [], argv: [], exitCodes: [], durationMs: 1 });
    await call("docs-search", {});
    const { resources, prompts } = await listed(client);
    expect(prompts).toEqual([]);
    expect(resources).not.toContain("talos://rules");
    const seen = await auditSeenBy(client);
    expect(seen.entries.map((e) => e.caller)).toEqual(["dora-local"]);
    expect(seen.text).not.toContain(SECRET_ADDRESS);
    expect(await completion(client, { type: "ref/prompt", name: "troubleshoot-node" }, "cluster", "")).toEqual([]);
  });

  it("an operator session sees workflows it can run, not the ones that need admin", async () => {
    const { client } = await session(config, { role: "operator" });
    const { prompts } = await listed(client);
    expect(prompts).toEqual(expect.arrayContaining(["troubleshoot-node", "create-cluster-omni"]));
    for (const name of ["create-cluster", "upgrade-talos", "etcd-backup-restore"]) expect(prompts).not.toContain(name);
  });
});
