// The rules for a person's decision on a pending plan, whatever the channel it comes through (the
// approval page, `talos-mcp approve|reject`, a URL elicitation): only plans that wait for a person
// can be decided, only before they expire, only once, and a destructive plan is approved only with
// its confirmation value typed back. Kept apart from any store and any transport.
import { nodeCrypto } from "../lazy-crypto.js";
import type { ApprovalStore, PlanDecision, PlanRecord, PlanState } from "./approval-store.js";

export type DecisionResult = { ok: true; decision: PlanDecision } | { ok: false; reason: string };

export interface DecisionInput {
  approve: boolean;
  /** The confirmation value a person typed (destructive plans). */
  typed?: string;
  by: string;
  via: PlanDecision["via"];
}

export function isExpired(record: PlanRecord, now: number): boolean {
  return Date.parse(record.expiresAt) <= now;
}

/** Why a plan can no longer be decided, or undefined while it waits for a person. */
export function closedReason(state: PlanState, now: number): string | undefined {
  if (state.record.approver !== "person") return "this plan is approved by the agent itself (--consent plan); there is nothing for a person to decide";
  if (state.decision) return `it was already ${state.decision.decision} by ${state.decision.by} at ${state.decision.at}`;
  if (state.redeemedAt) return `it was already used at ${state.redeemedAt}`;
  if (isExpired(state.record, now)) return `it expired at ${state.record.expiresAt}`;
  return undefined;
}

export async function decidePlan(store: ApprovalStore, id: string, input: DecisionInput, now: number): Promise<DecisionResult> {
  const state = await store.get(id);
  if (!state) return { ok: false, reason: `there is no plan ${id}` };
  const closed = closedReason(state, now);
  if (closed) return { ok: false, reason: `plan ${id} cannot be decided: ${closed}` };
  const expected = state.record.plan.typedConfirmation;
  if (input.approve && expected !== undefined && input.typed !== expected) {
    return { ok: false, reason: `this change is destructive: type "${expected}" exactly to approve it` };
  }
  const decision: PlanDecision = { decision: input.approve ? "approved" : "rejected", by: input.by, via: input.via, at: new Date(now).toISOString() };
  const outcome = await store.decide(id, decision);
  if (outcome === "recorded") return { ok: true, decision };
  const latest = await store.get(id);
  return { ok: false, reason: `plan ${id} cannot be decided: ${latest?.decision ? `it was already ${latest.decision.decision} by ${latest.decision.by}` : "it is gone"}` };
}

/** Constant-time comparison of the page secret presented with the one the plan was issued with. */
export function secretMatches(record: PlanRecord, presented: string | undefined | null): boolean {
  if (!record.pageSecret || typeof presented !== "string") return false;
  const digest = (value: string) => nodeCrypto().createHash("sha256").update(value).digest();
  return nodeCrypto().timingSafeEqual(digest(record.pageSecret), digest(presented));
}
