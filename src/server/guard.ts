// The guarded call: the one path every tool call takes (DESIGN §1).
//   input (strict zod) → policy → preflight → consent (mutations) → run → redact → cap → audit
// A tool can only reach a child process through the CliRunner built here, so argv-guard, the
// target flags, the scrubbed environment, the timeout, cancellation and the audit record of every
// argv are not the tool's business and cannot be skipped.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { AuditLog } from "../audit/audit.js";
import type { Config } from "../config-types.js";
import { PINNED } from "../backends/versions.js";
import { buildChildEnv } from "../exec/env.js";
import { redactText, redactValue } from "../exec/redact.js";
import { runProcess } from "../exec/runner.js";
import { checkArgv } from "../policy/argv-guard.js";
import { evaluateCall } from "../policy/engine.js";
import type { RuleId } from "../policy/rule-ids.js";
import { ruleById } from "../policy/rules.js";
import { obtainConsent, describePlan, type ConsentChannel } from "./consent.js";
import { ConsentRefused, PolicyDenied, ToolError } from "./errors.js";
import { describeInputIssues } from "./input-errors.js";
import type { PlanTokenStore } from "./plan-tokens.js";
import { isMutation } from "./registry.js";
import type { Role } from "./roles.js";
import type { Toolchain } from "./toolchain.js";
import { frameUntrusted, untrustedMeta } from "./untrusted.js";
import type {
  AnyToolSpec,
  Caller,
  CliBinary,
  CliResult,
  CliRunOptions,
  CliRunner,
  CliTarget,
  MutationPlan,
  ToolContext,
  Workspace,
} from "./tool-spec.js";

/** Text copies longer than this are cut, with a hint to narrow the query. */
export const TEXT_CAP_CHARS = 60_000;
const VERDICT_META_KEY = "io.github.talos-mcp/verdict";

/** Fields the guard adds to every mutation's input: the consent handshake without elicitation. */
export const consentFields = {
  planToken: z
    .string()
    .max(200)
    .optional()
    .describe("Plan token from a previous call of this tool with the same arguments (clients without elicitation)."),
  confirm: z
    .string()
    .max(200)
    .optional()
    .describe("For destructive changes without elicitation: the value the plan asks to type back (e.g. the node)."),
};

/** The input schema a tool publishes: its own, plus the consent fields for mutations. */
export function publishedInput(spec: AnyToolSpec): z.ZodObject {
  return isMutation(spec.risk) ? spec.input.extend(consentFields) : spec.input;
}

export interface GuardDeps {
  config: Config;
  audit: AuditLog;
  toolchain: Toolchain;
  planTokens: PlanTokenStore;
  workspace(): Promise<Workspace>;
  /** Registers a running call so shutdown can cancel it; returns the unregister function. */
  track(controller: AbortController): () => void;
}

export interface CallSession {
  caller: Caller;
  effectiveRole: Role;
  consent: ConsentChannel;
  /** Sends notifications/progress for this request when the client gave a token. */
  progress?(progress: number, total: number | undefined, message: string): Promise<void>;
}

interface CallRecord {
  argv: string[][];
  exitCodes: number[];
}

function textResult(text: string, isError: boolean, meta?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: capText(redactText(text)) }], isError, ...(meta ? { _meta: meta } : {}) };
}

export function capText(text: string): string {
  if (text.length <= TEXT_CAP_CHARS) return text;
  return `${text.slice(0, TEXT_CAP_CHARS)}\n… (truncated: ${text.length - TEXT_CAP_CHARS} more characters; narrow the query, e.g. fewer nodes or a smaller tail)`;
}

function targetFlags(binary: CliBinary, target: CliTarget | undefined): string[] {
  if (!target) return [];
  const flags: string[] = [];
  if (binary === "talosctl") {
    if (target.talosconfig) flags.push("--talosconfig", target.talosconfig);
    if (target.context) flags.push("--context", target.context);
    if (target.endpoints?.length) flags.push("--endpoints", target.endpoints.join(","));
    if (target.nodes?.length) flags.push("--nodes", target.nodes.join(","));
  } else {
    if (target.omniconfig) flags.push("--omniconfig", target.omniconfig);
    if (target.context) flags.push("--context", target.context);
  }
  return flags;
}

function makeCliRunner(deps: GuardDeps, spec: AnyToolSpec, workspace: Workspace, signal: AbortSignal, record: CallRecord): CliRunner {
  return {
    async run(binary: CliBinary, args: string[], options: CliRunOptions = {}): Promise<CliResult> {
      const info = await deps.toolchain.binary(binary);
      if (!info) {
        throw new ToolError(`${binary} was not found (TALOSCTL/OMNICTL, the build cache, PATH)`, {
          next: "run `npm run clis` (scripts/build-clis) to build the pinned CLIs, or set TALOSCTL / OMNICTL",
        });
      }
      // A binary that reports another version speaks another command tree and API: refuse it
      // rather than guess. ("unknown" is allowed: some builds do not report a version.)
      if (info.version !== "unknown" && !info.supported) {
        throw new ToolError(`${binary} at ${info.path} is ${info.version}, outside the supported range (pinned: ${PINNED[binary]})`, {
          next: `point ${binary.toUpperCase()} at the pinned build (\`npm run clis\`), or unset it; \`talos-mcp doctor\` shows what is found`,
        });
      }
      checkArgv(binary, args, await deps.toolchain.commandTree(binary));
      const auth = options.target?.auth;
      if (auth && "refused" in auth) throw auth.refused;
      const argvTail = [...args, ...targetFlags(binary, options.target)];
      record.argv.push([binary, ...argvTail]);
      const result = await runProcess({
        file: info.path,
        args: argvTail,
        cwd: options.cwd ?? workspace.root,
        env: buildChildEnv(process.env, auth && "env" in auth ? auth.env : {}),
        timeoutMs: options.timeoutMs ?? spec.timeoutMs ?? deps.config.commandTimeoutMs,
        signal,
        outputCapBytes: deps.config.outputCapBytes,
      });
      record.exitCodes.push(result.exitCode);
      // The audit and results show the binary by name, not the cache path.
      return { ...result, argv: [binary, ...argvTail] };
    },
  };
}

function parseInput(spec: AnyToolSpec, raw: unknown): Record<string, unknown> {
  const parsed = publishedInput(spec).safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ToolError(`Invalid input for ${spec.name}: ${describeInputIssues(parsed.error.issues)}`, {
      next: "fix the named field(s) and call again",
    });
  }
  return parsed.data as Record<string, unknown>;
}

function splitConsentFields(input: Record<string, unknown>): { args: Record<string, unknown>; planToken?: string; confirm?: string } {
  const { planToken, confirm, ...args } = input;
  return { args, planToken: planToken as string | undefined, confirm: confirm as string | undefined };
}

function deniedText(rule: RuleId, reason: string, fix: string | undefined): string {
  const { docs } = ruleById(rule);
  return [`Denied by rule ${rule}: ${reason}`, fix ? `Fix: ${fix}` : undefined, `Docs: ${docs}`, "Nothing was run."]
    .filter(Boolean)
    .join("\n");
}

function planIssuedResult(spec: AnyToolSpec, plan: MutationPlan, token: string, expiresAt: string): CallToolResult {
  const confirmHint = plan.typedConfirmation !== undefined ? ` and confirm: "${plan.typedConfirmation}"` : "";
  const text = [
    "Nothing has run yet. This change needs consent; show this plan to the user.",
    "",
    describePlan(plan),
    "",
    `To go ahead, call ${spec.name} again with exactly the same arguments plus planToken: "${token}"${confirmHint}.`,
    `The token is single-use and expires at ${expiresAt}.`,
  ].join("\n");
  return {
    content: [{ type: "text", text: capText(redactText(text)) }],
    structuredContent: redactValue({ status: "awaiting-consent", plan, planToken: token, expiresAt }) as Record<string, unknown>,
  };
}

/** Runs one tool call through every guard. Never throws: failures become isError results. */
export async function guardedCall(
  spec: AnyToolSpec,
  rawArgs: unknown,
  session: CallSession,
  requestSignal: AbortSignal,
  deps: GuardDeps,
): Promise<CallToolResult> {
  const started = Date.now();
  const record: CallRecord = { argv: [], exitCodes: [] };
  const controller = new AbortController();
  const onAbort = () => controller.abort(requestSignal.reason);
  requestSignal.addEventListener("abort", onAbort, { once: true });
  const untrack = deps.track(controller);
  let loggedArgs: unknown = rawArgs;
  let checkedRules: RuleId[] = [...spec.rules];

  const audit = (decision: "allowed" | "denied" | "consent-refused" | "error", rules: readonly string[], message?: string) =>
    deps.audit.record({
      time: new Date(started).toISOString(),
      transport: session.caller.transport,
      caller: session.caller.name,
      sessionId: session.caller.sessionId,
      tool: spec.name,
      args: loggedArgs,
      decision,
      rules: [...new Set(rules)],
      argv: record.argv,
      exitCodes: record.exitCodes,
      durationMs: Date.now() - started,
      message,
    });

  try {
    const input = parseInput(spec, rawArgs);
    loggedArgs = input;

    const decision = evaluateCall({
      tool: spec.name,
      risk: spec.risk,
      minRole: spec.minRole,
      effectiveRole: session.effectiveRole,
      readOnly: deps.config.readOnly,
      rules: spec.rules,
    });
    if (!decision.allow) throw new PolicyDenied(decision.rule, decision.reason, decision.fix);
    checkedRules = [...decision.checked, ...spec.rules];

    const workspace = await deps.workspace();
    let progressCount = 0;
    const ctx: ToolContext = {
      config: deps.config,
      caller: session.caller,
      effectiveRole: session.effectiveRole,
      workspace,
      cli: makeCliRunner(deps, spec, workspace, controller.signal, record),
      signal: controller.signal,
      commandTree: (binary) => deps.toolchain.commandTree(binary),
      async progress(message, progress, total) {
        progressCount = progress ?? progressCount + 1;
        await session.progress?.(progressCount, total, redactText(message)).catch(() => undefined);
      },
    };

    const { args, planToken, confirm } = splitConsentFields(input);
    await spec.preflight?.(args, ctx);

    let consentVia: string | undefined;
    if (isMutation(spec.risk)) {
      if (!spec.plan) throw new Error(`tool ${spec.name} is a mutation without a plan()`);
      const plan = await spec.plan(args, ctx);
      const outcome = await obtainConsent(
        {
          caller: session.caller.name,
          tool: spec.name,
          args,
          plan,
          destructive: spec.risk === "destructive" || plan.destructive === true,
          planToken,
          confirm,
        },
        session.consent,
        deps.config,
        deps.planTokens,
      );
      if (outcome.kind === "plan-issued") {
        audit("consent-refused", [...checkedRules, "destructive-explicit"], "plan issued; awaiting a second call with the plan token");
        return planIssuedResult(spec, plan, outcome.token, outcome.expiresAt);
      }
      consentVia = outcome.via;
      checkedRules.push("destructive-explicit");
    }

    const outcome = await spec.run(args, ctx);
    const reveal = outcome.reveal === true && deps.config.allowReveal && session.effectiveRole === "admin";
    const redactResult = <T>(value: T): T => (reveal ? value : redactValue(value));
    const structured = outcome.structured === undefined ? undefined : (redactResult(outcome.structured) as Record<string, unknown>);
    if (spec.output && structured !== undefined) {
      const valid = spec.output.safeParse(structured);
      if (!valid.success) throw new Error(`tool ${spec.name} returned output that does not match its schema: ${describeInputIssues(valid.error.issues)}`);
    }
    audit("allowed", checkedRules, [consentVia ? `consent: ${consentVia}` : undefined, reveal ? "revealed unredacted output" : undefined].filter(Boolean).join("; ") || undefined);
    const raw = outcome.text ?? JSON.stringify(structured, null, 2);
    const text = capText(reveal ? raw : redactText(raw));
    return {
      content: [{ type: "text", text: spec.untrustedSource ? frameUntrusted(spec.untrustedSource, text) : text }],
      ...(structured !== undefined ? { structuredContent: structured } : {}),
      ...(spec.untrustedSource ? { _meta: untrustedMeta(spec.untrustedSource) } : {}),
    };
  } catch (error) {
    if (error instanceof PolicyDenied) {
      audit("denied", [error.rule], error.reason);
      return textResult(deniedText(error.rule, error.reason, error.fix), true, {
        [VERDICT_META_KEY]: { decision: "denied", rule: error.rule, reason: error.reason, fix: error.fix },
      });
    }
    if (error instanceof ConsentRefused) {
      audit("consent-refused", [...checkedRules, "destructive-explicit"], error.reason);
      return textResult([`Not confirmed: ${error.reason}`, error.next ? `Next: ${error.next}` : undefined].filter(Boolean).join("\n"), true, {
        [VERDICT_META_KEY]: { decision: "consent-refused", rule: "destructive-explicit", reason: error.reason },
      });
    }
    if (error instanceof ToolError) {
      audit("error", checkedRules, error.message);
      const { next, cliMessage } = error.details;
      const cliOutput = cliMessage ? frameUntrusted("the CLI's own output", `CLI said: ${cliMessage}`) : undefined;
      return textResult([error.message, cliOutput, next ? `Next: ${next}` : undefined].filter(Boolean).join("\n"), true, cliMessage ? untrustedMeta("the CLI's own output") : undefined);
    }
    const message = controller.signal.aborted ? "the call was cancelled; any child process was stopped" : (error as Error).message;
    audit("error", checkedRules, message);
    return textResult(`${spec.name} failed: ${message}`, true);
  } finally {
    requestSignal.removeEventListener("abort", onAbort);
    untrack();
  }
}
