// Builds one McpServer per serving unit, each with the tool list filtered for that caller: per
// session for MCP 2025-11-25 (stdio: one; HTTP: one per initialize; SSE: one per stream), per
// request for MCP 2026-07-28 over HTTP (stateless) and per connection on stdio. Building one must
// stay cheap: tool descriptions and prompt files are computed once per process.
// Tools are served by our own tools/list and tools/call handlers rather than
// McpServer.registerTool, so that input validation, policy, consent and audit all happen in the
// guard (an invalid argument gets an error naming the field *and* an audit line), instead of the
// SDK rejecting it before we see it. tools/list is served from the tool catalog (the build's
// manifest); a tool's module is imported at its first call, and from then on the call takes the
// same guard path as ever.
import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  inputRequired,
  inputResponse,
  type CacheHint,
  type ClientCapabilities,
  type ProtocolEra,
  type RequestStateCodec,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { createAuditLog, type AuditLog } from "../audit/audit.js";
import type { Config } from "../config-types.js";
import { ruleById } from "../policy/rules.js";
import { RESOURCE_FAMILIES } from "../../resources/index.js";
import { registerPrompts } from "../../prompts/index.js";
import { promptCompletions } from "./prompt-completions.js";
import type { CallSession, GuardDeps } from "./guard.js";
import { catalogOf, TOOL_CATALOG } from "./tool-catalog.js";
import { approvalStateFlags, ServerApprovalLinks } from "./approval-links.js";
import { ApprovalPage } from "./approval-page.js";
import type { ConsentChannel, ConsentRound, ConsentState } from "./consent.js";
import { hiddenBy, toolsetEnabled, visibleTools } from "./registry.js";
import { lowestRole, requiredRole, type Role } from "./roles.js";
import type { SessionServerFactory } from "./session-types.js";
import type { SimView } from "./resource-types.js";
import { serverInstructions } from "./instructions.js";
import { Toolchain } from "./toolchain.js";
import type { AnyToolSpec, Caller, Workspace } from "./tool-spec.js";
import { openWorkspace } from "./workspace.js";
import { SERVER_VERSION } from "./package-info.js";
import type { StateBackend } from "../state/backend.js";
import { fileStateBackend } from "../state/open.js";
import { consentStateCodec, parseConsentState } from "./request-state.js";

export interface FactoryOptions {
  /** Role of the Talos credential in use (from the talosconfig); caps every session. */
  credentialRole?: Role;
  /** Tool specs to serve (tests may pass a subset); defaults to every tool, from the tool catalog. */
  tools?: readonly AnyToolSpec[];
  audit?: AuditLog;
  /** The simulator, in --sim mode (its nodes and events become resources). */
  sim?: SimView;
  /** Shared state, opened by serve (openStateBackend); without it, the file backend (only if configured). */
  state?: StateBackend;
}

/**
 * Caching hints on MCP 2026-07-28 list results (2025 results never carry them). The lists vary by
 * caller (role, toolsets, read-only), so they are private to the caller; they change only when the
 * server is restarted with another configuration or the token's grant changes.
 */
const CACHE_HINTS: Partial<Record<"tools/list" | "prompts/list" | "resources/templates/list" | "server/discover", CacheHint>> = {
  "tools/list": { ttlMs: 300_000, cacheScope: "private" },
  "prompts/list": { ttlMs: 300_000, cacheScope: "private" },
  "resources/templates/list": { ttlMs: 300_000, cacheScope: "private" },
  "server/discover": { ttlMs: 300_000, cacheScope: "private" },
};

/** The elicitation modes a client declared: per request on 2026-07-28, at initialize on 2025-11-25. */
function elicitationModes(ctx: ServerContext, server: McpServer): { form: boolean; url: boolean } {
  // The SDK publishes the envelope's type as {}; the capabilities key is part of the 2026 envelope.
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = (envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) ?? server.server.getClientCapabilities();
  const elicitation = caps?.elicitation;
  if (!elicitation) return { form: false, url: false };
  // A bare `elicitation: {}` means form mode (the spec's backwards-compatible reading).
  return { form: Boolean(elicitation.form) || !elicitation.url, url: Boolean(elicitation.url) };
}

/** On a 2026 call that answers a consent question: the verified state and the person's answer. */
function answeredRound(ctx: ServerContext): ConsentRound | undefined {
  const raw = ctx.mcpReq.requestState<unknown>();
  if (raw === undefined) return undefined;
  const state = parseConsentState(raw);
  if (!state) throw new ProtocolError(ProtocolErrorCode.InvalidParams, "requestState is not a consent question of this server");
  const answer = inputResponse(ctx.mcpReq.inputResponses, "consent");
  return { state, ...(answer.kind === "elicit" ? { answer: { action: answer.action, ...(answer.content ? { content: answer.content } : {}) } } : {}) };
}

export function effectiveRoleFor(config: Pick<Config, "role">, caller: Pick<Caller, "role">, credentialRole?: Role): Role {
  return lowestRole(config.role, credentialRole, caller.role);
}

export function createSessionServerFactory(config: Config, options: FactoryOptions = {}): SessionServerFactory {
  const tools = options.tools ? catalogOf(options.tools) : TOOL_CATALOG;
  const audit = options.audit ?? createAuditLog({ file: config.auditLog, rotateBytes: config.auditRotateBytes });
  const toolchain = new Toolchain(config);
  const running = new Set<AbortController>();
  let workspace: Promise<Workspace> | undefined;
  const state = options.state ?? fileStateBackend(config);
  const store = state.approvals;
  const page = new ApprovalPage(store);
  const links = new ServerApprovalLinks(page, approvalStateFlags(config));
  let codec: Promise<RequestStateCodec<ConsentState>> | undefined;
  // A failure to reach the shared state is not remembered: the next question tries again.
  const stateCodec = () =>
    (codec ??= state.requestStateKey().then(
      (key) => consentStateCodec(key, config.planTtlMs / 1000),
      (error: unknown) => {
        codec = undefined;
        throw error;
      },
    ));
  const deps: GuardDeps = {
    config,
    audit,
    toolchain,
    approvals: { store, links },
    state,
    workspace: () => (workspace ??= openWorkspace(config.workspace)),
    track(controller) {
      running.add(controller);
      return () => running.delete(controller);
    },
  };

  function create(caller: Caller, era: ProtocolEra): McpServer {
    const effectiveRole = effectiveRoleFor(config, caller, options.credentialRole);
    const filter = { config, caller, effectiveRole };
    const visible = visibleTools(tools, filter);
    const server = new McpServer(
      { name: "talos-mcp", title: "Talos Linux & Omni", version: SERVER_VERSION },
      {
        capabilities: { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false }, completions: {}, logging: {} },
        instructions: serverInstructions(visible.map((spec) => spec.name)),
        cacheHints: CACHE_HINTS,
        // Runs before our handler on every call that echoes a requestState: a state that is not
        // ours, was changed, expired or belongs to another caller is answered -32602.
        requestState: { verify: async (state, ctx) => (await stateCodec()).verify(state, ctx) },
      },
    );

    server.server.setRequestHandler("tools/list", async () => ({ tools: visible.map((tool) => tool.listing) }));
    server.server.setRequestHandler("tools/call", async (request, ctx) => {
      const tool = tools.find((candidate) => candidate.name === request.params.name);
      // The spec (both revisions): an unknown tool is a protocol error, not a tool result.
      if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool '${request.params.name}'. Available: ${visible.map((s) => s.name).join(", ")}`);
      const stage = hiddenBy(tool, filter);
      if (stage !== undefined) {
        const roleRule = stage === "role-ceiling" || stage === "read-only";
        audit.record({
          time: new Date().toISOString(),
          transport: caller.transport,
          caller: caller.name,
          sessionId: caller.sessionId,
          requestId: ctx.mcpReq.id,
          tool: tool.name,
          args: request.params.arguments ?? {},
          decision: "denied",
          rules: roleRule ? ["role-ceiling"] : [],
          argv: [],
          exitCodes: [],
          durationMs: 0,
          message: `tool hidden by ${stage}`,
        });
        const text = roleRule
          ? `Denied by rule role-ceiling: ${tool.name} needs ${stage === "read-only" ? "a server that is not read-only" : `role ${requiredRole(tool)}`}; this session's role is ${effectiveRole}${config.readOnly ? " (read-only)" : ""}.\nDocs: ${ruleById("role-ceiling").docs}\nNothing was run.`
          : `Tool '${tool.name}' is not enabled on this server (${stage}). Available: ${visible.map((s) => s.name).join(", ")}`;
        return { isError: true, content: [{ type: "text", text }] };
      }
      const spec = await tool.load();
      const progressToken = ctx.mcpReq._meta?.progressToken;
      const progress =
        progressToken === undefined
          ? undefined
          : (progress: number, total: number | undefined, message: string) =>
              ctx.mcpReq.notify({
                method: "notifications/progress",
                params: { progressToken, progress, ...(total !== undefined ? { total } : {}), message },
              });
      const related = { relatedRequestId: ctx.mcpReq.id, signal: ctx.mcpReq.signal };
      let waited = 0;
      const waiting = async (message: string) => void (await progress?.((waited += 1), undefined, message));
      const modes = elicitationModes(ctx, server);
      const consent: ConsentChannel =
        era === "modern"
          ? { kind: "pull", ...modes, answered: answeredRound(ctx), waiting }
          : {
              kind: "push",
              ...modes,
              async elicitForm(message, requestedSchema, timeout) {
                const result = await server.server.elicitInput({ mode: "form", message, requestedSchema }, { ...related, timeout });
                return { action: result.action, content: result.content as Record<string, unknown> | undefined };
              },
              async elicitUrl(message, url, elicitationId, timeout) {
                return (await server.server.elicitInput({ mode: "url", message, url, elicitationId }, { ...related, timeout })).action;
              },
              completed: (elicitationId) => server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: ctx.mcpReq.id })(),
              waiting,
            };
      const session: CallSession = {
        caller: { ...caller, sessionId: caller.sessionId ?? ctx.sessionId },
        requestId: ctx.mcpReq.id,
        effectiveRole,
        consent,
        progress,
        async inputRequired(question, state) {
          const ask = question.kind === "form" ? inputRequired.elicit({ message: question.message, requestedSchema: question.schema }) : inputRequired.elicitUrl({ message: question.message, url: question.url });
          return inputRequired({ inputRequests: { consent: ask }, requestState: await (await stateCodec()).mint(state, ctx) });
        },
      };
      // The guard (policy, consent, the runner) is loaded at the first call, not at start.
      const { guardedCall } = await import("./guard.js");
      return guardedCall(spec, request.params.arguments, session, ctx.mcpReq.signal, deps);
    });

    const resourceDeps = {
      config,
      caller,
      effectiveRole,
      commandTree: (binary: "talosctl" | "omnictl") => toolchain.commandTree(binary),
      recentAudit: (limit?: number) => audit.recent(limit),
      sim: options.sim,
    };
    // Resources, prompts and their completions obey the same filters as the tools.
    for (const family of RESOURCE_FAMILIES) if (!family.toolset || toolsetEnabled(family.toolset, filter)) family.register(server, resourceDeps);
    const visibleNames = new Set(visible.map((spec) => spec.name));
    registerPrompts(server, { config, workspaceRoot: config.workspace, completions: promptCompletions(config), toolVisible: (name) => visibleNames.has(name) });
    return server;
  }

  return {
    create,
    approvals: { page, useBaseUrl: (url: string) => links.useBaseUrl(url) },
    async close() {
      await links.close();
      await audit.flush();
      if (!options.state) await state.close();
    },
    cancelAll(reason: string) {
      for (const controller of running) controller.abort(new Error(reason));
    },
    inFlight: () => running.size,
    flush: () => audit.flush(),
  };
}
