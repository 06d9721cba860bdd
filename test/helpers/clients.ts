// The two kinds of real MCP clients the server must serve, behind one small interface so a test can
// run the same checks against each: the SDK 1.x client (MCP 2025-11-25: Claude, Cursor, VS Code and
// the Inspector today) over Streamable HTTP, legacy SSE or stdio, and the SDK v2 client pinned to
// MCP 2026-07-28 (stateless requests; consent through InputRequiredResult) over HTTP or stdio.
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttpTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdioTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport as LegacyStdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

export type ClientKind = "2025-11-25 /mcp" | "2025-11-25 /sse" | "2026-07-28 /mcp" | "2025-11-25 stdio" | "2026-07-28 stdio";
export const MODERN = "2026-07-28";

/** What the client's user does when asked: fill a form (message, field names), or open a URL. */
export interface User {
  form?(message: string, fields: string[]): { action: "accept" | "decline" | "cancel"; content?: Record<string, unknown> };
  url?(url: string): Promise<"accept" | "decline" | "cancel">;
}

export interface ToolResult {
  content?: unknown;
  isError?: boolean;
  structuredContent?: unknown;
  _meta?: Record<string, unknown>;
}

export interface TestClient {
  kind: ClientKind;
  /** The revision the connection negotiated (SDK 1.x clients only speak 2025-11-25 and older). */
  protocolVersion(): string | undefined;
  listTools(): Promise<{ name: string; inputSchema: unknown; annotations?: unknown }[]>;
  callTool(name: string, args: Record<string, unknown>, options?: { onprogress?: (progress: number) => void; signal?: AbortSignal }): Promise<ToolResult>;
  readResource(uri: string): Promise<{ contents: { uri: string; text?: string }[] }>;
  listPrompts(): Promise<string[]>;
  getPrompt(name: string, args: Record<string, string>): Promise<string>;
  complete(ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string }, argument: { name: string; value: string }): Promise<string[]>;
  close(): Promise<void>;
}

export interface StdioCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const elicitation = (user: User) => ({ ...(user.form ? { form: {} } : {}), ...(user.url ? { url: {} } : {}) });

async function answer(user: User, params: { mode?: string; message: string; url?: string; requestedSchema?: { properties?: Record<string, unknown> } }) {
  if (params.mode === "url") return { action: await user.url!(params.url!) };
  return user.form!(params.message, Object.keys(params.requestedSchema?.properties ?? {}));
}

export async function connectClient(kind: ClientKind, target: { url: string; token?: string } | StdioCommand, user: User = {}): Promise<TestClient> {
  const headers: Record<string, string> = "url" in target && target.token ? { Authorization: `Bearer ${target.token}` } : {};
  const capabilities = user.form || user.url ? { elicitation: elicitation(user) } : {};
  if (kind.startsWith(MODERN)) {
    const client = new ModernClient({ name: "talos-mcp-tests-2026", version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN } }, capabilities });
    if (user.form || user.url) client.setRequestHandler("elicitation/create", async (request) => answer(user, request.params as Parameters<typeof answer>[1]));
    const transport =
      "url" in target
        ? new ModernHttpTransport(new URL(`${target.url}/mcp`), { requestInit: { headers } })
        : new ModernStdioTransport({ command: target.command, args: target.args, env: target.env, stderr: "pipe" });
    await client.connect(transport);
    return {
      kind,
      protocolVersion: () => client.getNegotiatedProtocolVersion(),
      listTools: async () => (await client.listTools(undefined, { cacheMode: "refresh" })).tools,
      callTool: (name, args, options = {}) => client.callTool({ name, arguments: args }, { timeout: 120_000, resetTimeoutOnProgress: true, ...options }) as Promise<ToolResult>,
      readResource: async (uri) => (await client.readResource({ uri })) as { contents: { uri: string; text?: string }[] },
      listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
      getPrompt: async (name, args) => JSON.stringify((await client.getPrompt({ name, arguments: args })).messages),
      complete: async (ref, argument) => (await client.complete({ ref, argument })).completion.values,
      close: () => client.close(),
    };
  }
  const client = new LegacyClient({ name: "talos-mcp-tests-2025", version: "1.0.0" }, { capabilities });
  if (user.form || user.url) client.setRequestHandler(ElicitRequestSchema, async (request) => answer(user, request.params as Parameters<typeof answer>[1]));
  const transport =
    "url" in target
      ? kind === "2025-11-25 /sse"
        ? new SSEClientTransport(new URL(`${target.url}/sse`), {
            requestInit: { headers },
            eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as object), ...headers } }) },
          })
        : new LegacyHttpTransport(new URL(`${target.url}/mcp`), { requestInit: { headers } })
      : new LegacyStdioTransport({ command: target.command, args: target.args, env: target.env, stderr: "pipe" });
  await client.connect(transport);
  return {
    kind,
    protocolVersion: () => (transport instanceof LegacyHttpTransport ? transport.protocolVersion : undefined),
    listTools: async () => (await client.listTools()).tools,
    callTool: (name, args, options = {}) => client.callTool({ name, arguments: args }, undefined, { timeout: 120_000, resetTimeoutOnProgress: true, ...options }) as Promise<ToolResult>,
    readResource: async (uri) => (await client.readResource({ uri })) as { contents: { uri: string; text?: string }[] },
    listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
    getPrompt: async (name, args) => JSON.stringify((await client.getPrompt({ name, arguments: args })).messages),
    complete: async (ref, argument) => (await client.complete({ ref, argument })).completion.values,
    close: () => client.close(),
  };
}

export const textOf = (result: ToolResult) => ((result.content ?? []) as { text?: string }[]).map((item) => item.text ?? "").join("\n");
