// The guarded call: the one path every tool call takes (DESIGN §1).
//   input (strict zod) → policy → preflight → consent (mutations) → run → redact → cap → audit
// A tool can only reach a child process through the CliRunner built here, so argv-guard, the
// target flags, the scrubbed environment, the timeout, cancellation and the audit record of every
// argv are not the tool's business and cannot be skipped.
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
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
import type { ApprovalStore } from "./approval-store.js";
import { obtainConsent, pendingInstructions, type ApprovalLinks, type ConsentChannel, type ConsentOutcome, type ConsentQuestion, type ConsentState } from "./consent.js";
import { ConsentRefused, PolicyDenied, ToolError } from "./errors.js";
import { describeInputIssues } from "./input-errors.js";
import { changedFiles, digestFiles, previewDigest } from "./plan-binding.js";
import { isMutation } from "./registry.js";
import { publishedInput } from "./published-input.js";
import { requiredRole, type Role } from "./roles.js";
import type { Toolchain } from "./toolchain.js";
import { frameUntrusted, untrustedMeta } from "./untrusted.js";
import { VERDICT_META_KEY } from "./verdict.js";
import type { HeldLock, StateBackend } from "../state/backend.js";
import { lockScope } from "../state/scope.js";
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

export interface GuardDeps {
  config: Config;
  audit: AuditLog;
  toolchain: Toolchain;
  /** Pending plans and people's decisions, and where people make them. */
  approvals: { store: ApprovalStore; links: ApprovalLinks };
  /** Shared state: cluster ledgers and the per-cluster mutation lock. */
  state: StateBackend;
  workspace(): Promise<Workspace>;
  /** Registers a running call so shutdown can cancel it; returns the unregister function. */
  track(controller: AbortController): () => void;
}

export interface CallSession {
  caller: Caller;
  /** The JSON-RPC id of this tools/call (recorded in the audit line). */
  requestId?: string | number;
  effectiveRole: Role;
  consent: ConsentChannel;
  /** Sends notifications/progress for this request when the client gave a token. */
  progress?(progress: number, total: number | undefined, message: string): Promise<void>;
  /** Pull channels (MCP 2026-07-28): the result that asks the client, with the state signed. */
  inputRequired?(question: ConsentQuestion, state: ConsentState): Promise<InputRequiredResult>;
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

function splitConsentFields(input: Record<string, unknown>): { args: Record<string, unknown>; planId?: string; confirm?: string } {
  const { planId, confirm, ...args } = input;
  return { args, planId: planId as string | undefined, confirm: confirm as string | undefined };
}

/** The workspace a call sees, remembering every path it resolves: what the plan reads is bound to it. */
function recordingWorkspace(workspace: Workspace, resolved: Set<string>): Workspace {
  return {
    ...workspace,
    async resolve(input, field) {
      const path = await workspace.resolve(input, field);
      resolved.add(path);
      return path;
    },
  };
}

/** Destructive and irreversible changes are confirmed by typing their target back. */
function assertTypedConfirmation(spec: AnyToolSpec, plan: MutationPlan): void {
  const needsTyping = spec.risk === "destructive" || spec.risk === "irreversible" || plan.destructive === true;
  if (needsTyping && plan.typedConfirmation === undefined) throw new Error(`tool ${spec.name} planned a ${spec.risk} change without a typedConfirmation`);
}

function deniedText(rule: RuleId, reason: string, fix: string | undefined): string {
  const { docs } = ruleById(rule);
  return [`Denied by rule ${rule}: ${reason}`, fix ? `Fix: ${fix}` : undefined, `Docs: ${docs}`, "Nothing was run."]
    .filter(Boolean)
    .join("\n");
}

function pendingResult(outcome: Extract<ConsentOutcome, { kind: "pending" }>, links: ApprovalLinks): CallToolResult {
  const { record, approvalUrl } = outcome;
  const status = record.approver === "person" ? "awaiting-approval" : "awaiting-own-approval";
  return textResult(pendingInstructions(outcome, links), true, {
    [VERDICT_META_KEY]: {
      decision: status,
      rule: "destructive-explicit",
      planId: record.id,
      expiresAt: record.expiresAt,
      ...(approvalUrl ? { approvalUrl } : {}),
      ...(record.approver === "person" ? { approveCommand: links.command("approve", record.id) } : {}),
    },
  });
}

/**
 * Runs one tool call through every guard. Never throws: failures become isError results. On MCP
 * 2026-07-28 a mutation's first call ends with the consent question (InputRequiredResult); the
 * client's second call carries the answer and runs this whole path again, preflight and plan
 * included, so the plan is checked against the cluster and files as they are then.
 */
export async function guardedCall(
  spec: AnyToolSpec,
  rawArgs: unknown,
  session: CallSession,
  requestSignal: AbortSignal,
  deps: GuardDeps,
): Promise<CallToolResult | InputRequiredResult> {
  const started = Date.now();
  const record: CallRecord = { argv: [], exitCodes: [] };
  const controller = new AbortController();
  const onAbort = () => controller.abort(requestSignal.reason);
  requestSignal.addEventListener("abort", onAbort, { once: true });
  const untrack = deps.track(controller);
  let loggedArgs: unknown = rawArgs;
  let checkedRules: RuleId[] = [...spec.rules];
  let held: HeldLock | undefined;

  const audit = (decision: "allowed" | "denied" | "consent-refused" | "error", rules: readonly string[], message?: string) =>
    deps.audit.record({
      time: new Date(started).toISOString(),
      transport: session.caller.transport,
      caller: session.caller.name,
      sessionId: session.caller.sessionId,
      requestId: session.requestId,
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

    const resolvedPaths = new Set<string>();
    const workspace = recordingWorkspace(await deps.workspace(), resolvedPaths);
    let progressCount = 0;
    const ctx: ToolContext = {
      config: deps.config,
      caller: session.caller,
      effectiveRole: session.effectiveRole,
      workspace,
      cli: makeCliRunner(deps, spec, workspace, controller.signal, record),
      signal: controller.signal,
      state: deps.state,
      commandTree: (binary) => deps.toolchain.commandTree(binary),
      async progress(message, progress, total) {
        progressCount = progress ?? progressCount + 1;
        await session.progress?.(progressCount, total, redactText(message)).catch(() => undefined);
      },
    };

    const { args, planId, confirm } = splitConsentFields(input);
    if (isMutation(spec.risk)) {
      // One mutation per cluster at a time, across replicas: its checks and its change happen under
      // the lock, so a second bootstrap sees the first one's ledger entry. A lost lock stops the call.
      const scope = await lockScope(spec.toolset, args, deps.config);
      held = await deps.state.lock(scope, { holder: `${session.caller.name}/${spec.name}`, signal: controller.signal });
      const lost = held.lost;
      lost.addEventListener("abort", () => controller.abort(lost.reason), { once: true });
    }
    await spec.preflight?.(args, ctx);

    let consentVia: string | undefined;
    if (isMutation(spec.risk)) {
      if (!spec.plan) throw new Error(`tool ${spec.name} is a mutation without a plan()`);
      const plan = await spec.plan(args, ctx);
      assertTypedConfirmation(spec, plan);
      // Everything the call resolved so far is what the plan reads; the approval covers exactly that.
      const bound = [...resolvedPaths];
      const fingerprint = { files: await digestFiles(workspace.root, bound), previewSha256: previewDigest(plan.boundPreview ?? plan.preview) };
      const outcome = await obtainConsent(
        {
          caller: session.caller.name,
          tool: spec.name,
          // What an approver over HTTP must hold: the role the tool needs.
          minRole: requiredRole(spec),
          args,
          plan,
          destructive: spec.risk !== "mutate" || plan.destructive === true,
          fingerprint,
          planId,
          confirm,
        },
        session.consent,
        { config: deps.config, store: deps.approvals.store, links: deps.approvals.links, now: Date.now, signal: controller.signal },
      );
      if (outcome.kind === "ask") {
        if (!session.inputRequired) throw new Error("consent asked for input on a channel that cannot carry it");
        audit("consent-refused", [...checkedRules, "destructive-explicit"], `plan ${outcome.state.planId} awaiting the client's answer (${outcome.question.kind} elicitation, input required)`);
        return await session.inputRequired(outcome.question, outcome.state);
      }
      if (outcome.kind === "pending") {
        audit("consent-refused", [...checkedRules, "destructive-explicit"], `plan ${outcome.record.id} awaiting ${outcome.record.approver === "person" ? "a person's approval" : "the caller's second call"}`);
        return pendingResult(outcome, deps.approvals.links);
      }
      // A person may take minutes to answer: the files must still be the ones they saw.
      const changed = changedFiles(fingerprint.files, await digestFiles(workspace.root, bound));
      if (changed.length) throw new ConsentRefused(`${changed.join(", ")} changed while consent was being given; the approval covers only what was shown; nothing ran`, "call again to get a fresh plan");
      consentVia = [outcome.via, outcome.by ? `by ${outcome.by}` : undefined, outcome.planId].filter(Boolean).join(" ");
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
    // A lost lock stops the call through its signal, so the error comes from whatever step was
    // running (often a CLI run reporting "context canceled"): the lock is the cause to report.
    if (held?.lost.aborted) {
      const message = `the call was stopped because its cluster lock was lost (${(held.lost.reason as Error)?.message ?? "unknown"}); any child process was stopped`;
      audit("error", checkedRules, message);
      return textResult(`${spec.name} failed: ${message}`, true);
    }
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
    await held?.release();
    untrack();
  }
}
