// `eval connect --dir D`: one long-lived MCP endpoint (stdio, or Streamable HTTP with --port)
// that forwards every request to the server of whatever task is set up in D right now. Eval
// runners such as mcpchecker connect to their MCP server once, before the first task's setup;
// each task's setup then starts a fresh, isolated server, and this bridge follows it (run.json).
// Before any task is set up it answers the lists (tools, resources, prompts) as a --sim server
// would, and refuses calls with the command that sets a task up.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client, type ElicitRequest } from "@modelcontextprotocol/client";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { InMemoryTransport, Server } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { createAuditLog } from "../audit/audit.js";
import { buildConfig, parseServeFlags } from "../config.js";
import { createSessionServerFactory } from "../server/create-server.js";
import { SERVER_VERSION } from "../server/package-info.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { readRunInfo, runPaths } from "./run-dir.js";
import { connectToRun } from "./script.js";

/** The lists a --sim server serves, for answering before any task is set up. */
async function idleServerClient(dir: string): Promise<Client> {
  const flags = parseServeFlags(["--workspace", join(dir, "workspace"), "--state-dir", join(dir, "state"), "--docs", "offline", "--sim", "eval"]);
  const config = buildConfig({ flags, env: {}, cwd: dir, knownTools: ALL_TOOLS.map((tool) => tool.name) });
  const factory = createSessionServerFactory(config, { credentialRole: "admin", audit: createAuditLog({}), sim: { nodes: [], events: () => [] } });
  const server = factory.create({ transport: "memory", name: "eval-bridge", role: "admin" }, "legacy");
  const client = new Client({ name: "talos-mcp-eval-bridge", version: SERVER_VERSION });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  return client;
}

/** The client to the task set up in `dir` now (reconnected when a new task is set up). */
class Upstream {
  private current?: { url: string; client: Client };
  private idle?: Promise<Client>;

  constructor(
    private readonly dir: string,
    private readonly downstream: Server,
  ) {}

  /** The current task's server, or undefined when nothing is set up. */
  async task(): Promise<Client | undefined> {
    if (!existsSync(runPaths(this.dir).run)) return undefined;
    const run = readRunInfo(this.dir);
    if (this.current?.url === run.url) return this.current.client;
    await this.current?.client.close().catch(() => undefined);
    // The user answers consent requests through the agent's client, not through the bridge.
    const forward = this.downstream.getClientCapabilities()?.elicitation ? (params: ElicitRequest["params"]) => this.downstream.elicitInput(params) : undefined;
    const client = await connectToRun(run, forward, "talos-mcp-eval-bridge");
    this.current = { url: run.url, client };
    return client;
  }

  /** For lists: the current task's server, else a --sim server's lists. */
  async any(): Promise<Client> {
    return (await this.task()) ?? (await (this.idle ??= idleServerClient(this.dir)));
  }

  async close(): Promise<void> {
    await this.current?.client.close().catch(() => undefined);
    await (await this.idle)?.close().catch(() => undefined);
  }
}

function createBridgeServer(dir: string): { server: Server; close(): Promise<void> } {
  const server = new Server({ name: "talos-mcp", title: "Talos Linux & Omni (eval bridge)", version: SERVER_VERSION }, { capabilities: { tools: {}, resources: {}, prompts: {} } });
  const upstream = new Upstream(dir, server);
  const notSetUp = () => ({
    isError: true,
    content: [{ type: "text" as const, text: `No eval task is set up in ${dir}: run talos-mcp eval setup TASK --dir ${dir} first.` }],
  });
  server.setRequestHandler("tools/list", async (request) => (await upstream.any()).listTools(request.params));
  server.setRequestHandler("resources/list", async (request) => (await upstream.any()).listResources(request.params));
  server.setRequestHandler("resources/templates/list", async (request) => (await upstream.any()).listResourceTemplates(request.params));
  server.setRequestHandler("prompts/list", async (request) => (await upstream.any()).listPrompts(request.params));
  server.setRequestHandler("prompts/get", async (request) => (await upstream.any()).getPrompt(request.params));
  server.setRequestHandler("resources/read", async (request) => (await upstream.any()).readResource(request.params));
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const task = await upstream.task();
    if (!task) return notSetUp();
    return task.callTool(request.params, { signal: ctx.mcpReq.signal, timeout: 30 * 60_000 });
  });
  return { server, close: () => upstream.close() };
}

export async function serveBridgeStdio(dir: string): Promise<void> {
  const { server, close } = createBridgeServer(dir);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.once("SIGTERM", resolve).once("SIGINT", resolve);
  });
  await server.connect(transport);
  await closed;
  await close();
  await server.close().catch(() => undefined);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
}

/** Streamable HTTP on 127.0.0.1:port (loopback only: it forwards with the run's token). */
export async function serveBridgeHttp(dir: string, port: number, onListening: (url: string) => void): Promise<void> {
  const sessions = new Map<string, { transport: NodeStreamableHTTPServerTransport; close(): Promise<void> }>();
  const http = createHttpServer(async (req, res) => {
    try {
      if (new URL(req.url ?? "/", "http://127.0.0.1").pathname !== "/mcp") return void res.writeHead(404).end();
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const id = req.headers["mcp-session-id"];
      const existing = typeof id === "string" ? sessions.get(id) : undefined;
      if (existing) return void (await existing.transport.handleRequest(req, res, body));
      const bridge = createBridgeServer(dir);
      const transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, { transport, close: bridge.close }),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        void bridge.close();
      };
      await bridge.server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: (error as Error).message }, id: null }));
    }
  });
  await new Promise<void>((resolve, reject) => http.once("error", reject).listen(port, "127.0.0.1", resolve));
  onListening(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  await new Promise<void>((resolve) => process.once("SIGTERM", resolve).once("SIGINT", resolve));
  for (const session of sessions.values()) await session.close();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
