// Single-use plan tokens for clients that cannot elicit: the first call of a mutation returns the
// plan and a token; the second call must present it with the very same arguments. A token is
// bound to (caller, tool, canonical arguments, targets), expires in minutes, and is consumed on
// first presentation — matching or not — so it can be neither replayed nor reused after tampering.
import { createHash, randomBytes } from "node:crypto";

export interface PlanBinding {
  caller: string;
  tool: string;
  args: Record<string, unknown>;
  targets: string[];
}

interface PendingPlan {
  digest: string;
  expiresAt: number;
}

export type PlanTokenCheck = { ok: true } | { ok: false; reason: string };

/** Stable JSON: object keys sorted at every level, so equal arguments give equal digests. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function digestOf(binding: PlanBinding): string {
  const targets = [...binding.targets].sort();
  return createHash("sha256").update(canonicalJson({ ...binding, targets })).digest("hex");
}

export class PlanTokenStore {
  private readonly pending = new Map<string, PendingPlan>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(binding: PlanBinding): { token: string; expiresAt: string } {
    this.sweep();
    const token = `plan_${randomBytes(18).toString("base64url")}`;
    const expiresAt = this.now() + this.ttlMs;
    this.pending.set(token, { digest: digestOf(binding), expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Consumes the token whatever the outcome. */
  redeem(token: string, binding: PlanBinding): PlanTokenCheck {
    const plan = this.pending.get(token);
    this.pending.delete(token);
    if (!plan) return { ok: false, reason: "unknown or already used plan token" };
    if (plan.expiresAt <= this.now()) return { ok: false, reason: "the plan token has expired" };
    if (plan.digest !== digestOf(binding)) {
      return { ok: false, reason: "the arguments or targets differ from the plan the token was issued for" };
    }
    return { ok: true };
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, plan] of this.pending) if (plan.expiresAt <= now) this.pending.delete(token);
  }
}
