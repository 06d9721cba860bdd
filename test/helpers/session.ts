// An in-process server session over a real MCP client (in-memory transport), for integration tests.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { pino } from "pino";
import { createAuditLog, type AuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags, type Config } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { credentialRole } from "../../src/serve.js";
import type { AnyToolSpec, Caller } from "../../src/server/tool-spec.js";
import type { StateBackend } from "../../src/state/backend.js";
import { ALL_TOOLS } from "../../tools/index.js";

export type Elicit = (message: string, properties: string[]) => ElicitResult;
/** A client that can send its user to a URL (elicitation URL mode): what the user did. */
export type ElicitUrl = (url: string, elicitationId: string) => Promise<ElicitResult["action"]>;
export const silent = pino({ level: "silent" });

export interface SessionOptions {
  elicit?: Elicit;
  elicitUrl?: ElicitUrl;
  role?: "reader" | "operator" | "admin";
  /** Tool specs to serve (default: every tool). */
  tools?: readonly AnyToolSpec[];
  caller?: Partial<Caller>;
  audit?: AuditLog;
  /** Shared state (default: the file backend in the config's state directory). */
  state?: StateBackend;
}

export async function session(config: Config, options: SessionOptions = {}) {
  const audit = options.audit ?? createAuditLog({});
  const factory = createSessionServerFactory(config, { credentialRole: await credentialRole(config, silent), audit, tools: options.tools, state: options.state });
  const server = factory.create({ transport: "memory", name: "agent", role: options.role ?? "admin", ...options.caller }, "legacy");
  const elicitation = { ...(options.elicit ? { form: {} } : {}), ...(options.elicitUrl ? { url: {} } : {}) };
  const client = new Client({ name: "t", version: "1" }, { capabilities: options.elicit || options.elicitUrl ? { elicitation } : {} });
  const completed: string[] = [];
  if (options.elicit || options.elicitUrl) {
    const { elicit, elicitUrl } = options;
    client.setRequestHandler(ElicitRequestSchema, async (r) => {
      if (r.params.mode === "url") return { action: await elicitUrl!(r.params.url, r.params.elicitationId) };
      return elicit!(r.params.message, Object.keys((r.params as any).requestedSchema?.properties ?? {}));
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId));
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const call = async (name: string, args: Record<string, unknown>, opts: { signal?: AbortSignal; onprogress?: () => void } = {}) =>
    client.callTool({ name, arguments: args }, undefined, { timeout: 120_000, signal: opts.signal, onprogress: opts.onprogress, resetTimeoutOnProgress: true });
  return { client, call, factory, audit, completed };
}

export const text = (result: { content?: unknown }) => ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
export const accept: Elicit = (message, properties) => {
  const typed = /Type (\S+) to confirm/.exec(message)?.[1];
  return { action: "accept", content: { confirm: true, ...(properties.includes("typed") ? { typed: typed ?? "" } : {}) } };
};
export const acceptTyped = (value: string): Elicit => () => ({ action: "accept", content: { confirm: true, typed: value } });

export function configFor(dir: string, extra: string[] = [], talosconfig?: string): Config {
  const config = buildConfig({
    flags: parseServeFlags(["--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), ...extra]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  return Object.freeze({ ...config, talosconfig, consentTimeoutMs: 5_000 });
}

