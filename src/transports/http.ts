// Remote agents over HTTP: Streamable HTTP at /mcp and the deprecated HTTP+SSE transport at
// GET /sse + POST /messages, behind one auth layer; /healthz for probes. /mcp serves both protocol
// revisions: MCP 2026-07-28 requests (a `_meta` envelope in the body) are stateless — a server is
// built per request, nothing is kept between requests, so any replica can answer any request —
// while 2025-11-25 traffic (initialize, Mcp-Session-Id, GET/DELETE) gets sessions, like SSE.
// Every request passes, in order: Host and Origin checks (403), bearer auth (401), body limit
// (413); tool calls then meet the token's rate (a burst, then a sustained rate) and concurrency
// limits (429 with Retry-After) — protocol traffic is not rate-counted; sessions belong to the token (and the grant: role, toolsets, expiry)
// that created them. Both transports share the per-token limits: concurrent tool calls (a call
// over /messages holds its slot until its answer goes out on the SSE stream) and open sessions.
// The tokens file is re-read when it changes; sessions of a token that was removed, changed or
// expired are closed.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from "@modelcontextprotocol/node";
import { createMcpHandler, isLegacyRequest, type AuthInfo, type JSONRPCMessage, type McpServer } from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import type { Config } from "../config-types.js";
import { APPROVAL_PATH, type Authorization } from "../server/approval-page.js";
import type { PlanRecord } from "../server/approval-store.js";
import { roleAllows } from "../server/roles.js";
import type { SessionServerFactory } from "../server/session-types.js";
import type { Caller } from "../server/tool-spec.js";
import { allowedHostNames, checkHost, checkOrigin, isLoopback } from "./host-origin.js";
import { ConcurrencyLimiter, RateLimiter } from "./limits.js";
import { LegacySseTransport } from "./legacy-sse.js";
import { grantOf, TokenFile, verifyToken } from "./tokens.js";

/** How often the tokens file and token expiry are checked when no request arrives. */
const TOKEN_RECHECK_MS = 2_000;

interface Session {
  kind: "streamable" | "sse";
  owner: string;
  /** The token grant the session was built for (grantOf); another grant never reaches it. */
  grant: string;
  transport: NodeStreamableHTTPServerTransport | LegacySseTransport;
  server: McpServer;
  lastSeen: number;
  /** Requests (POSTs, GET streams) of this session still open; a session with none is idle. */
  openRequests: number;
  /** SSE: the concurrency slot of each tool call still waiting for its answer, by request id. */
  pendingCalls?: Map<string | number, () => void>;
}

type HttpCaller = Caller & { grant: string };

/** What the SDK hands to handlers as ctx.http.authInfo (and the 2026 factory as ctx.authInfo): never the raw token. */
function authInfoOf(caller: HttpCaller): AuthInfo {
  return { token: caller.name, clientId: caller.name, scopes: [caller.role], extra: { caller } };
}

function callerOf(authInfo: AuthInfo | undefined): HttpCaller {
  const caller = authInfo?.extra?.caller as HttpCaller | undefined;
  if (!caller) throw new Error("a 2026-07-28 request reached the MCP handler without an authenticated caller");
  return caller;
}

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) return void res.end();
  res.writeHead(error.status, { "content-type": "application/json", ...error.headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: error.message }, id: null }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

const isInitialize = (body: unknown) => (Array.isArray(body) ? body : [body]).some((m) => (m as { method?: string })?.method === "initialize");
const toolCallIds = (body: unknown) =>
  (Array.isArray(body) ? body : [body]).filter((m) => (m as { method?: string })?.method === "tools/call").map((m) => (m as { id: string | number }).id);

export async function startHttpServer(config: Config, factory: SessionServerFactory, log: Logger): Promise<HttpHandle> {
  const http = config.http;
  if (!isLoopback(http.host) && !http.tokensFile) {
    throw new Error(`refusing to listen on ${http.host} without --tokens: off loopback every caller must authenticate`);
  }
  if (http.insecureNoAuth && !isLoopback(http.host)) throw new Error("--insecure-no-auth is only allowed on a loopback address");
  if (!http.tokensFile && !http.insecureNoAuth) {
    throw new Error("HTTP needs --tokens FILE (see `talos-mcp token add`), or --insecure-no-auth on loopback");
  }
  const tokens = http.tokensFile ? new TokenFile(http.tokensFile, (message) => log.error({ file: http.tokensFile }, message)) : undefined;
  const hosts = allowedHostNames(http.host, http.allowedHosts);
  const rate = new RateLimiter(http.rateLimitPerMinute, http.rateLimitBurst);
  const concurrency = new ConcurrencyLimiter(http.maxConcurrentCalls);
  const sessions = new Map<string, Session>();
  /** The server's own origins (same-origin requests), known once the port is. */
  let selfOrigins: string[] = [];

  /** Closes the sessions whose token was removed, changed (role, toolsets, hash) or expired. */
  const revokeStaleSessions = () => {
    if (!tokens) return;
    const now = Date.now();
    const current = new Map(tokens.entries().map((entry) => [entry.name, entry]));
    for (const [id, s] of sessions) {
      const entry = current.get(s.owner);
      if (entry && grantOf(entry) === s.grant && (entry.expiresAt === undefined || entry.expiresAt > now)) continue;
      sessions.delete(id);
      log.info({ token: s.owner, session: id }, "token revoked, changed or expired: session closed");
      void s.transport.close().catch(() => undefined);
    }
  };
  const recheckTokens = () => {
    if (tokens?.refresh()) revokeStaleSessions();
  };

  const authenticate = (req: IncomingMessage): HttpCaller => {
    if (!tokens) return { transport: "http", name: "anonymous", role: config.role, grant: "anonymous" };
    recheckTokens();
    const header = req.headers.authorization;
    const presented = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    const check = verifyToken(tokens.entries(), presented);
    if (!check.ok) {
      const description = { missing: "a bearer token is required", invalid: "the bearer token is not valid", expired: "the bearer token has expired" }[check.reason];
      throw new HttpError(401, description, { "www-authenticate": `Bearer realm="talos-mcp"${check.reason === "missing" ? "" : `, error="invalid_token", error_description="${description}"`}` });
    }
    return { transport: "http", name: check.entry.name, role: check.entry.role, toolsets: check.entry.toolsets, grant: grantOf(check.entry) };
  };

  /**
   * The approval page is behind the same tokens. Browsers send one as the password of HTTP Basic
   * auth (any user name); scripts may use Bearer. A caller never approves its own plans, and the
   * approver's role must cover the tool's.
   */
  const authorizeApprover = (req: IncomingMessage, record: PlanRecord): Authorization => {
    if (!tokens) return { ok: true, approver: "anonymous (this server has no tokens: --insecure-no-auth)" };
    recheckTokens();
    const header = req.headers.authorization ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    const presented = basic ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":") : header.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    const check = verifyToken(tokens.entries(), presented);
    const challenge = { "www-authenticate": 'Basic realm="talos-mcp approvals", charset="UTF-8"' };
    if (!check.ok) return { ok: false, status: 401, message: "Sign in with a talos-mcp token of yours (as the password) to review this plan.", headers: challenge };
    if (check.entry.name === record.caller) return { ok: false, status: 403, message: `The token ${check.entry.name} asked for this change, so it cannot approve it: a different person's token must.` };
    if (!roleAllows(check.entry.role, record.minRole)) return { ok: false, status: 403, message: `${record.tool} needs role ${record.minRole}; the token ${check.entry.name} has role ${check.entry.role}.` };
    return { ok: true, approver: `token ${check.entry.name}` };
  };

  const openSession = (caller: HttpCaller, kind: Session["kind"]) => {
    if (sessions.size >= http.maxSessions) throw new HttpError(503, `session limit (${http.maxSessions}) reached`, { "retry-after": "30" });
    // Per token: one token must not take every session from the others. Without tokens (a
    // loopback server with --insecure-no-auth) there is one caller, bounded by maxSessions.
    const held = [...sessions.entries()].filter(([, s]) => s.owner === caller.name);
    if (tokens && held.length >= http.maxSessionsPerToken) {
      // Many clients never send DELETE /mcp: the token's least recently used idle /mcp session
      // makes room. An SSE stream, or a session with a request open, is in use and is never closed.
      const idle = held.filter(([, s]) => s.kind === "streamable" && s.openRequests === 0).sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0];
      if (!idle) throw new HttpError(429, `at most ${http.maxSessionsPerToken} sessions per token, all in use: close one (DELETE /mcp, or end the SSE stream) first`, { "retry-after": "30" });
      const [id, oldest] = idle;
      sessions.delete(id);
      log.info({ token: caller.name, session: id }, "per-token session cap: least recently used idle session closed");
      void oldest.transport.close().catch(() => undefined);
    }
    return factory.create(sessionCaller(caller, kind === "sse" ? "sse" : "http"), "legacy");
  };

  const sessionCaller = ({ grant: _grant, ...caller }: HttpCaller, transport: Caller["transport"]): Caller => ({ ...caller, transport });

  // MCP 2026-07-28: one server per request, built for the caller the request authenticated as.
  const modern = createMcpHandler((ctx) => factory.create(sessionCaller(callerOf(ctx.authInfo), "http"), "modern"), {
    legacy: "reject",
    maxRequestBodySize: http.bodyLimit,
    onerror: (error) => log.debug({ err: error.message }, "MCP 2026-07-28 request"),
  });
  const serveModern = toNodeHandler(modern, { maxRequestBodySize: http.bodyLimit, onerror: (error) => log.error({ err: error.message }, "MCP 2026-07-28 request failed") });

  const session = (id: string, caller: HttpCaller, kind: Session["kind"]): Session => {
    const found = sessions.get(id);
    // Another token (or this token after its grant changed) learns nothing: the same answer as a stale id.
    if (!found || found.owner !== caller.name || found.grant !== caller.grant) throw new HttpError(404, "unknown or expired session");
    if (found.kind !== kind) throw new HttpError(400, `session ${id} belongs to the ${found.kind} transport`);
    found.lastSeen = Date.now();
    return found;
  };

  /**
   * Admits the tool calls in a request: one concurrency slot each, and as many calls from the
   * token's rate — or 429 with Retry-After, and nothing taken, when over either limit.
   */
  const acquireCallSlots = (caller: Caller, ids: (string | number)[]): (() => void)[] => {
    const releases = ids.map(() => concurrency.acquire(caller.name));
    const refuse = (message: string, retryAfter: string): never => {
      releases.forEach((release) => release?.());
      throw new HttpError(429, message, { "retry-after": retryAfter });
    };
    if (releases.some((release) => release === undefined)) refuse(`at most ${http.maxConcurrentCalls} tool calls at once per token`, "5");
    const wait = ids.length > 0 ? rate.take(caller.name, ids.length) : 0;
    if (wait === Number.POSITIVE_INFINITY) refuse(`a batch of ${ids.length} tool calls is more than the burst of ${http.rateLimitBurst}: send fewer at once`, "60");
    if (wait > 0) refuse(`rate limit exceeded: at most ${http.rateLimitPerMinute} tool calls a minute per token after a burst of ${http.rateLimitBurst}`, String(wait));
    return releases as (() => void)[];
  };

  async function handleMcp(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, caller: HttpCaller): Promise<void> {
    const body = req.method === "POST" ? await readBody(req, http.bodyLimit) : undefined;
    req.auth = authInfoOf(caller);
    if (!(await isLegacyRequest(await toWebRequest(req, body), body))) {
      // Stateless: the per-token limit on concurrent calls holds the slot until the answer is out.
      const releases = acquireCallSlots(caller, toolCallIds(body));
      res.on("close", () => releases.forEach((release) => release()));
      await serveModern(req, res, body);
      return;
    }
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const found = session(sessionId, caller, "streamable");
      const transport = found.transport as NodeStreamableHTTPServerTransport;
      const ids = toolCallIds(body);
      const releases = acquireCallSlots(caller, ids);
      found.openRequests += 1;
      res.on("close", () => {
        found.openRequests -= 1;
        releases.forEach((release) => release());
        // A client that vanished mid-call must not pin a child process: cancel its calls.
        if (!res.writableFinished) for (const id of ids) transport.onmessage?.({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: "client disconnected" } });
      });
      await transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== "POST" || !isInitialize(body)) throw new HttpError(400, "no mcp-session-id: start with an initialize request");
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { kind: "streamable", owner: caller.name, grant: caller.grant, transport, server, lastSeen: Date.now(), openRequests: 0 });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = openSession(caller, "streamable");
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handleSse(res: ServerResponse, caller: HttpCaller): Promise<void> {
    const server = openSession(caller, "sse");
    const transport = new LegacySseTransport("/messages", res);
    // A call posted to /messages is answered on the stream: its slot is released when the answer
    // goes out, or when the stream ends (the call is then aborted).
    const pendingCalls = new Map<string | number, () => void>();
    const settle = (id: string | number) => {
      pendingCalls.get(id)?.();
      pendingCalls.delete(id);
    };
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage) => {
      if ("id" in message && message.id !== undefined && ("result" in message || "error" in message)) settle(message.id);
      return send(message);
    };
    sessions.set(transport.sessionId, { kind: "sse", owner: caller.name, grant: caller.grant, transport, server, lastSeen: Date.now(), openRequests: 1, pendingCalls });
    transport.onclose = () => {
      sessions.delete(transport.sessionId);
      for (const id of [...pendingCalls.keys()]) settle(id);
    };
    await server.connect(transport);
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse, caller: HttpCaller, url: URL): Promise<void> {
    const id = url.searchParams.get("sessionId");
    if (!id) throw new HttpError(400, "sessionId query parameter is required");
    const found = session(id, caller, "sse");
    const body = await readBody(req, http.bodyLimit);
    const ids = toolCallIds(body);
    const releases = acquireCallSlots(caller, ids);
    const pending = found.pendingCalls!;
    ids.forEach((callId, index) => {
      pending.get(callId)?.();
      pending.set(callId, releases[index]!);
    });
    try {
      (found.transport as LegacySseTransport).deliver(body, authInfoOf(caller));
    } catch (error) {
      // Not accepted (stream closed, not JSON-RPC): no answer will come for these calls.
      for (const callId of ids) pending.get(callId)?.(), pending.delete(callId);
      throw new HttpError(400, (error as Error).message);
    }
    res.writeHead(202).end("Accepted");
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (url.pathname === "/healthz" && req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
        return;
      }
      const host = checkHost(req.headers.host, hosts);
      if (!host.ok) throw new HttpError(host.status, host.reason);
      const origin = checkOrigin(req.headers.origin, [...http.allowedOrigins, ...selfOrigins]);
      if (!origin.ok) throw new HttpError(origin.status, origin.reason);
      if (req.headers.origin && http.allowedOrigins.length) {
        res.setHeader("access-control-allow-origin", req.headers.origin);
        res.setHeader("vary", "Origin");
      }
      if (url.pathname.startsWith(APPROVAL_PATH)) {
        const wait = rate.take(`approvals:${req.socket.remoteAddress ?? ""}`);
        if (wait > 0) throw new HttpError(429, "rate limit exceeded", { "retry-after": String(wait) });
        await factory.approvals.page.handle(req, res, { ownOrigins: selfOrigins, authorize: authorizeApprover });
        return;
      }
      const caller = authenticate(req);
      if (url.pathname === "/mcp") await handleMcp(req, res, caller);
      else if (url.pathname === "/sse" && req.method === "GET") await handleSse(res, caller);
      else if (url.pathname === "/messages" && req.method === "POST") await handleMessages(req, res, caller, url);
      else throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    } catch (error) {
      if (error instanceof HttpError) return sendError(res, error);
      log.error({ err: (error as Error).message }, "HTTP request failed");
      sendError(res, new HttpError(500, "internal error"));
    }
  });
  server.requestTimeout = http.requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, http.requestTimeoutMs);

  const tokenWatch = setInterval(() => {
    recheckTokens();
    revokeStaleSessions();
  }, TOKEN_RECHECK_MS).unref();

  const sweeper = setInterval(() => {
    const idleBefore = Date.now() - http.sessionIdleMs;
    for (const [id, s] of sessions) {
      if (s.lastSeen < idleBefore) {
        sessions.delete(id);
        void s.transport.close();
      }
    }
  }, Math.min(60_000, http.sessionIdleMs)).unref();

  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(http.port, http.host, () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : http.port;
  const url = `http://${http.host.includes(":") ? `[${http.host}]` : http.host}:${port}`;
  const publicUrl = http.publicUrl?.replace(/\/+$/, "");
  selfOrigins = [...[...hosts].map((name) => `http://${name}:${port}`), ...(publicUrl ? [new URL(publicUrl).origin] : [])];
  factory.approvals.useBaseUrl(publicUrl ?? url);
  log.info({ url: `${url}/mcp`, auth: http.tokensFile ? "bearer" : "none (loopback)" }, "serving MCP over HTTP");

  return {
    url,
    async close() {
      clearInterval(sweeper);
      clearInterval(tokenWatch);
      server.close();
      const deadline = Date.now() + http.shutdownGraceMs;
      while (factory.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      factory.cancelAll("server shutting down");
      for (const s of sessions.values()) await s.transport.close().catch(() => undefined);
      sessions.clear();
      await modern.close().catch(() => undefined);
      server.closeAllConnections();
      await factory.close();
    },
  };
}
