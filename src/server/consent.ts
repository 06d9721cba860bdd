// Consent for mutations (rule destructive-explicit, DESIGN §5): nothing that changes a cluster runs
// unless a person agreed to exactly that change. The channels, in the order they are tried:
//   1. form elicitation, when the client can ask its user (--consent elicit, the stdio default);
//   2. a person's approval out of band (--consent approve, the HTTP default, and elicit when the
//      client cannot ask): the plan is stored, a URL elicitation sends the person to the approval
//      page when the client supports it, otherwise the result carries the page's URL and the plan
//      id; `talos-mcp approve|reject PLAN_ID` works too. The call with the plan id runs only after
//      a person approved it;
//   3. --consent plan: the agent approves its own plans (the plan id alone lets it run) — for CI
//      and evaluation harnesses, chosen explicitly by the operator.
// Whatever the channel, an approval covers the caller, tool, arguments, targets, the files the
// call reads and the preview shown (plan-binding.ts), is used once, and expires. Destructive and
// irreversible changes need their confirmation value typed back. This module knows nothing about
// MCP or HTTP: a channel is an interface. Clients are asked in one of two ways:
//   push (MCP 2025-11-25 sessions): the server sends the elicitation and awaits the answer within
//        the call;
//   pull (MCP 2026-07-28): the call ends with the question and a signed state naming the stored
//        plan ("ask"); the client calls again with the answer, and the plan is decided and used
//        like any other — so single use, expiry and the binding are the approval store's.
import { randomBytes } from "node:crypto";
import type { Config } from "../config-types.js";
import { redactText, redactValue } from "../exec/redact.js";
import { newPlanId, type ApprovalStore, type PlanRecord, type PlanState, type ShownPlan } from "./approval-store.js";
import { decidePlan, isExpired } from "./approvals.js";
import { ConsentRefused } from "./errors.js";
import { bindingDigest, changedFiles, type FileDigests } from "./plan-binding.js";
import type { RequiredRole } from "./roles.js";
import type { MutationPlan } from "./tool-spec.js";

export interface ElicitAnswer {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}

/** A flat form: the only shapes the elicitation spec allows that we need. */
export type ElicitSchema = {
  type: "object";
  properties: Record<string, { type: "boolean"; title: string; description: string } | { type: "string"; title: string; description: string }>;
  required: string[];
};

interface ChannelBase {
  /** The client can show a form (elicitation form mode). */
  readonly form: boolean;
  /** The client can send its user to a URL (elicitation URL mode). */
  readonly url: boolean;
  /** Keeps the client's request alive while a person decides (a progress notification). */
  waiting(message: string): Promise<void>;
}

/** MCP 2025-11-25 sessions: the server asks within the call. */
export interface PushChannel extends ChannelBase {
  readonly kind: "push";
  elicitForm(message: string, schema: ElicitSchema, timeoutMs: number): Promise<ElicitAnswer>;
  elicitUrl(message: string, url: string, elicitationId: string, timeoutMs: number): Promise<ElicitAnswer["action"]>;
  /** notifications/elicitation/complete once the person decided. */
  completed(elicitationId: string): Promise<void>;
}

/** MCP 2026-07-28: the call ends with the question; the client calls again with the answer. */
export interface PullChannel extends ChannelBase {
  readonly kind: "pull";
  /** On the call that answers: the (verified) state of the question and the answer, if any. */
  readonly answered?: ConsentRound;
}

/** How the guard reaches the person behind a client; implemented over the MCP session. */
export type ConsentChannel = PushChannel | PullChannel;

/** What a pull question carries through the client: only the stored plan it is about. */
export interface ConsentState {
  v: 1;
  planId: string;
  tool: string;
  ask: "form" | "url";
}

export interface ConsentRound {
  state: ConsentState;
  /** Undefined when the client came back without an answer (it is asked again). */
  answer?: ElicitAnswer;
}

export type ConsentQuestion = { kind: "form"; message: string; schema: ElicitSchema } | { kind: "url"; message: string; url: string };

/** Where people approve: the approval page and the terminal command. */
export interface ApprovalLinks {
  /** The page URL for a plan (with its one-time secret); stdio opens its loopback page on first use. */
  linkFor(planId: string, secret: string): Promise<string>;
  /** The terminal command that decides a plan, e.g. `talos-mcp approve plan-… --state-dir /state`. */
  command(verb: "approve" | "reject", planId: string): string;
}

/** What a call reads and shows, computed by the guard from the tool's plan. */
export interface PlanFingerprint {
  files: FileDigests;
  previewSha256?: string;
}

export interface ConsentRequest {
  caller: string;
  tool: string;
  minRole: RequiredRole;
  /** Tool arguments without the consent fields (planId, confirm). */
  args: Record<string, unknown>;
  plan: MutationPlan;
  destructive: boolean;
  fingerprint: PlanFingerprint;
  planId?: string;
  confirm?: string;
}

export type ConsentOutcome =
  | { kind: "granted"; via: "elicitation" | "person" | "own-plan" | "auto"; by?: string; planId?: string }
  | { kind: "pending"; record: PlanRecord; approvalUrl?: string }
  /** Pull channels: end the call with this question; the client answers by calling again. */
  | { kind: "ask"; question: ConsentQuestion; state: ConsentState };

export interface ConsentDeps {
  config: Pick<Config, "consent" | "consentTimeoutMs" | "allowUnconfirmedDestructive" | "planTtlMs">;
  store: ApprovalStore;
  links: ApprovalLinks;
  now: () => number;
  signal?: AbortSignal;
}

const PREVIEW_LIMIT = 4_000;
const POLL_MS = 250;
const HEARTBEAT_MS = 5_000;

/** The plan as text for people: elicitation messages, results, the terminal. Redacted. */
export function describePlan(plan: MutationPlan | ShownPlan, files: FileDigests = {}): string {
  const lines = [plan.summary, "", `Targets: ${plan.targets.join(", ") || "(none)"}`];
  if (plan.commands.length) lines.push("Will run:", ...plan.commands.map((argv) => `  ${argv.join(" ")}`));
  if (plan.impact.length) lines.push("Impact:", ...plan.impact.map((item) => `  - ${item}`));
  const read = Object.entries(files);
  if (read.length) lines.push("Reads (bound to this plan):", ...read.map(([path, digest]) => `  ${path} ${digest === "absent" ? "(absent)" : digest.slice(0, 19)}`));
  if (plan.preview) {
    const preview = plan.preview.length > PREVIEW_LIMIT ? `${plan.preview.slice(0, PREVIEW_LIMIT)}\n… (preview truncated)` : plan.preview;
    lines.push("Preview:", preview);
  }
  if (plan.typedConfirmation !== undefined) lines.push("", `This cannot be undone. Type ${plan.typedConfirmation} to confirm.`);
  return redactText(lines.join("\n"));
}

export function consentSchema(plan: MutationPlan): ElicitSchema {
  const schema: ElicitSchema = {
    type: "object",
    properties: { confirm: { type: "boolean", title: "Run this change", description: redactText(plan.summary) } },
    required: ["confirm"],
  };
  if (plan.typedConfirmation !== undefined) {
    schema.properties.typed = {
      type: "string",
      title: `Type ${plan.typedConfirmation} to confirm`,
      description: `This cannot be undone. Type "${plan.typedConfirmation}" exactly to go ahead.`,
    };
    schema.required.push("typed");
  }
  return schema;
}

/** The plan as stored for people to review: redacted like every other output. */
function shownPlan(plan: MutationPlan, destructive: boolean): ShownPlan {
  const shown: ShownPlan = { summary: plan.summary, commands: plan.commands, targets: plan.targets, impact: plan.impact, destructive };
  if (plan.preview !== undefined) shown.preview = plan.preview;
  if (plan.typedConfirmation !== undefined) shown.typedConfirmation = plan.typedConfirmation;
  return redactValue(shown);
}

export async function obtainConsent(request: ConsentRequest, channel: ConsentChannel, deps: ConsentDeps): Promise<ConsentOutcome> {
  const { consent } = deps.config;
  if (consent === "auto") return { kind: "granted", via: "auto" };
  if (consent === "deny") throw new ConsentRefused("this server denies all mutations (--consent deny)", "ask the operator to change the consent mode");
  if (channel.kind === "pull" && channel.answered) return answerRound(request, channel, channel.answered, deps);
  if (request.planId !== undefined) return usePlan(request, request.planId, deps);
  if (consent === "plan") {
    assertAgentMayApprove(request.destructive, deps.config);
    return { kind: "pending", record: await storePlan(request, "caller", deps) };
  }
  if (consent === "elicit" && channel.form) return channel.kind === "push" ? elicitForm(request, channel, deps) : askForm(await storePlan(request, "person", deps));
  return askPerson(request, channel, deps);
}

/**
 * Whether this server lets the agent approve its own plan. Checked when the plan is made and again
 * when it is used: servers in other modes may share the approval store (every stdio server of a
 * user shares the default state directory), and a plan keeps no mode of its own.
 */
function assertAgentMayApprove(destructive: boolean, config: ConsentDeps["config"]): void {
  if (config.consent !== "plan") {
    throw new ConsentRefused(
      `this plan was made for the agent to approve itself (--consent plan), but this server (--consent ${config.consent}) needs a person's approval; nothing ran`,
      "call again without planId to get a plan a person approves",
    );
  }
  if (destructive && !config.allowUnconfirmedDestructive) {
    throw new ConsentRefused(
      "this change is destructive, and on this server the agent approves its own plans (--consent plan), which the operator has not allowed for destructive changes; nothing ran",
      "ask the operator to run with --consent elicit or approve (a person approves), or to set allowUnconfirmedDestructive",
    );
  }
}

/**
 * Pull: the form question about a stored plan; the answer decides the plan like a person on the
 * page would. Built from the record, so a question asked again shows what the answer decides,
 * whatever the asking call computed.
 */
function askForm(record: PlanRecord): ConsentOutcome {
  const question: ConsentQuestion = { kind: "form", message: describePlan(record.plan, record.files), schema: consentSchema(record.plan) };
  return { kind: "ask", question, state: { v: 1, planId: record.id, tool: record.tool, ask: "form" } };
}

function askUrl(record: PlanRecord, approvalUrl: string): ConsentOutcome {
  const question: ConsentQuestion = { kind: "url", message: approvalMessage(record), url: approvalUrl };
  return { kind: "ask", question, state: { v: 1, planId: record.id, tool: record.tool, ask: "url" } };
}

const approvalMessage = (record: PlanRecord) => redactText(`Review and approve or reject this change in your browser: ${record.plan.summary}`);

/** Pull: the client came back with the answer to a question about stored plan `state.planId`. */
async function answerRound(request: ConsentRequest, channel: PullChannel, round: ConsentRound, deps: ConsentDeps): Promise<ConsentOutcome> {
  const { state, answer } = round;
  const stored = state.tool === request.tool ? await deps.store.get(state.planId) : undefined;
  // The state is bound to the caller by its signature already; the record must agree before an answer decides it.
  if (!stored || stored.record.caller !== request.caller || stored.record.tool !== request.tool) {
    throw new ConsentRefused(`there is no plan ${state.planId} for ${request.tool} from this caller; nothing ran`, "call again without the answer to get a fresh plan");
  }
  const { record } = stored;
  const by = "the client's user (elicitation)";
  const refuse = async (reason: string): Promise<never> => {
    await decidePlan(deps.store, record.id, { approve: false, by, via: "elicitation" }, deps.now());
    throw new ConsentRefused(`${reason}; nothing ran`);
  };
  if (!answer) {
    // The spec: a missing answer is asked for again (the same plan, the same state).
    return state.ask === "form" ? askForm(record) : askUrl(record, await deps.links.linkFor(record.id, record.pageSecret!));
  }
  if (state.ask === "form") {
    // The client's form is a person's consent only where the operator chose so (--consent elicit).
    if (deps.config.consent !== "elicit") {
      throw new ConsentRefused(`a form's answer counts only on a server with --consent elicit; this one (--consent ${deps.config.consent}) needs a person's approval out of band; nothing ran`, "call again without the answer to get a fresh plan");
    }
    if (answer.action !== "accept") return refuse(`the user chose ${answer.action}`);
    if (answer.content?.confirm !== true) return refuse("the user did not confirm");
    const expected = record.plan.typedConfirmation;
    if (expected !== undefined && answer.content?.typed !== expected) return refuse(`the typed confirmation did not match "${expected}"`);
    // A person may have decided on the page meanwhile: the first decision stands, usePlan reads it.
    await decidePlan(deps.store, record.id, { approve: true, typed: expected, by, via: "elicitation" }, deps.now());
  } else {
    if (answer.action !== "accept") return declinedPage(record, answer.action, deps);
    const decided = await waitForDecision(record.id, channel, deps);
    if (!decided?.decision) return { kind: "pending", record, approvalUrl: await deps.links.linkFor(record.id, record.pageSecret!) };
  }
  return usePlan(request, record.id, deps);
}

async function elicitForm(request: ConsentRequest, channel: PushChannel, deps: ConsentDeps): Promise<ConsentOutcome> {
  const { plan } = request;
  const answer = await channel.elicitForm(describePlan(plan, request.fingerprint.files), consentSchema(plan), deps.config.consentTimeoutMs).catch((error: Error) => {
    throw new ConsentRefused(`the consent request failed or timed out (${error.message}); nothing ran`);
  });
  if (answer.action !== "accept") throw new ConsentRefused(`the user chose ${answer.action}; nothing ran`);
  if (answer.content?.confirm !== true) throw new ConsentRefused("the user did not confirm; nothing ran");
  if (plan.typedConfirmation !== undefined && answer.content?.typed !== plan.typedConfirmation) {
    throw new ConsentRefused(`the typed confirmation did not match "${plan.typedConfirmation}"; nothing ran`);
  }
  return { kind: "granted", via: "elicitation" };
}

async function storePlan(request: ConsentRequest, approver: PlanRecord["approver"], deps: ConsentDeps): Promise<PlanRecord> {
  const now = deps.now();
  const record: PlanRecord = {
    id: newPlanId(),
    caller: request.caller,
    tool: request.tool,
    minRole: request.minRole,
    binding: bindingDigest({ caller: request.caller, tool: request.tool, args: request.args, targets: request.plan.targets }),
    files: request.fingerprint.files,
    ...(request.fingerprint.previewSha256 ? { previewSha256: request.fingerprint.previewSha256 } : {}),
    plan: shownPlan(request.plan, request.destructive),
    approver,
    // Hex: a path segment that no redaction pattern touches.
    ...(approver === "person" ? { pageSecret: randomBytes(24).toString("hex") } : {}),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + deps.config.planTtlMs).toISOString(),
  };
  await deps.store.create(record);
  return record;
}

/** Out of band: store the plan for a person; with URL elicitation, send them to the page and wait. */
async function askPerson(request: ConsentRequest, channel: ConsentChannel, deps: ConsentDeps): Promise<ConsentOutcome> {
  const record = await storePlan(request, "person", deps);
  const approvalUrl = await deps.links.linkFor(record.id, record.pageSecret!);
  if (!channel.url) return { kind: "pending", record, approvalUrl };
  if (channel.kind === "pull") return askUrl(record, approvalUrl);
  const action = await channel.elicitUrl(approvalMessage(record), approvalUrl, record.id, deps.config.consentTimeoutMs).catch(() => "cancel" as const);
  if (action !== "accept") return declinedPage(record, action, deps);
  const state = await waitForDecision(record.id, channel, deps);
  if (!state?.decision) return { kind: "pending", record, approvalUrl };
  await channel.completed(record.id).catch(() => undefined);
  return usePlan(request, record.id, deps);
}

/** The client's user would not open the approval page: the plan is rejected, nothing runs. */
async function declinedPage(record: PlanRecord, action: ElicitAnswer["action"], deps: ConsentDeps): Promise<never> {
  await decidePlan(deps.store, record.id, { approve: false, by: "the client's user (declined to open the approval page)", via: "elicitation" }, deps.now());
  throw new ConsentRefused(`the user chose ${action} instead of opening the approval page; nothing ran`);
}

async function waitForDecision(id: string, channel: ChannelBase, deps: ConsentDeps): Promise<PlanState | undefined> {
  const deadline = deps.now() + deps.config.consentTimeoutMs;
  let nextBeat = deps.now();
  for (;;) {
    const state = await deps.store.get(id);
    if (!state || state.decision || deps.now() >= deadline || deps.signal?.aborted) return state;
    if (deps.now() >= nextBeat) {
      nextBeat = deps.now() + HEARTBEAT_MS;
      await channel.waiting(`waiting for a person to approve or reject plan ${id}`).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The call presents a plan id: it runs only if the plan was approved for exactly this call. */
async function usePlan(request: ConsentRequest, id: string, deps: ConsentDeps): Promise<ConsentOutcome> {
  const fresh = "call again without planId to get a fresh plan";
  const state = await deps.store.get(id);
  if (!state || state.record.caller !== request.caller || state.record.tool !== request.tool) {
    throw new ConsentRefused(`there is no plan ${id} for ${request.tool} from this caller; nothing ran`, fresh);
  }
  const { record } = state;
  const now = deps.now();
  if (isExpired(record, now)) throw new ConsentRefused(`plan ${id} expired at ${record.expiresAt}; nothing ran`, fresh);
  if (record.approver === "caller") assertAgentMayApprove(record.plan.destructive, deps.config);
  if (record.approver === "person") {
    if (state.decision?.decision === "rejected") throw new ConsentRefused(`${state.decision.by} rejected plan ${id} at ${state.decision.at}; nothing ran`, fresh);
    if (!state.decision) return { kind: "pending", record, approvalUrl: await deps.links.linkFor(id, record.pageSecret!) };
  }
  // Used once, whatever follows: a plan presented with other arguments is burnt, not retried.
  if (!(await deps.store.redeem(id, new Date(now).toISOString()))) throw new ConsentRefused(`plan ${id} was already used; nothing ran`, fresh);
  const binding = bindingDigest({ caller: request.caller, tool: request.tool, args: request.args, targets: request.plan.targets });
  if (binding !== record.binding) throw new ConsentRefused(`the arguments or targets differ from plan ${id}; nothing ran`, fresh);
  const changed = changedFiles(record.files, request.fingerprint.files);
  if (changed.length) throw new ConsentRefused(`${changed.join(", ")} changed after plan ${id} was made; the approval covers only what was shown; nothing ran`, fresh);
  if (record.previewSha256 !== request.fingerprint.previewSha256) {
    throw new ConsentRefused(`the dry-run preview is no longer the one shown with plan ${id} (the cluster or the files changed); nothing ran`, fresh);
  }
  if (record.approver === "person") return { kind: "granted", via: "person", by: state.decision!.by, planId: id };
  if (request.plan.typedConfirmation !== undefined && request.confirm !== request.plan.typedConfirmation) {
    throw new ConsentRefused(`this change needs confirm: "${request.plan.typedConfirmation}" together with the plan id; nothing ran`, `${fresh}, then present it with the confirm value`);
  }
  return { kind: "granted", via: "own-plan", planId: id };
}

/** What the result of a pending call tells the model (and, through it, the person). */
export function pendingInstructions(outcome: Extract<ConsentOutcome, { kind: "pending" }>, links: ApprovalLinks): string {
  const { record, approvalUrl } = outcome;
  const again = `call ${record.tool} again with exactly the same arguments plus planId: "${record.id}"`;
  if (record.approver === "caller") {
    const confirm = record.plan.typedConfirmation !== undefined ? ` and confirm: "${record.plan.typedConfirmation}"` : "";
    return [
      "Nothing has run yet. Show this plan to the user; on this server the agent approves its own plans (--consent plan).",
      "",
      describePlan(record.plan, record.files),
      "",
      `To go ahead, ${again}${confirm}. The plan id is single-use and expires at ${record.expiresAt}.`,
    ].join("\n");
  }
  return [
    "Nothing has run: this change needs a person's approval, and you cannot give it.",
    "",
    describePlan(record.plan, record.files),
    "",
    "Ask the user to review it and approve or reject it:",
    ...(approvalUrl ? [`  - in a browser: ${approvalUrl}`] : []),
    `  - or in a terminal on the server's machine: ${links.command("approve", record.id)}   (or ${links.command("reject", record.id)})`,
    `After the user approved it, ${again}. Until then that call answers "awaiting approval". The plan expires at ${record.expiresAt}.`,
  ].join("\n");
}
