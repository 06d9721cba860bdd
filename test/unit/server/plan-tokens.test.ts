import { describe, expect, it } from "vitest";
import { canonicalJson, PlanTokenStore } from "../../../src/server/plan-tokens.js";

const binding = { caller: "local", tool: "reboot", args: { nodes: ["10.0.0.2"], mode: "default" }, targets: ["10.0.0.2"] };

describe("plan tokens", () => {
  it("accepts the token once for the same binding", () => {
    const store = new PlanTokenStore();
    const { token } = store.issue(binding);
    expect(store.redeem(token, { ...binding, args: { mode: "default", nodes: ["10.0.0.2"] } })).toEqual({ ok: true });
    expect(store.redeem(token, binding)).toEqual({ ok: false, reason: "unknown or already used plan token" });
  });

  it("refuses tampered arguments, targets, tool or caller, and burns the token", () => {
    for (const tampered of [
      { ...binding, args: { ...binding.args, mode: "powercycle" } },
      { ...binding, targets: ["10.0.0.3"] },
      { ...binding, tool: "reset" },
      { ...binding, caller: "other" },
    ]) {
      const store = new PlanTokenStore();
      const { token } = store.issue(binding);
      const check = store.redeem(token, tampered);
      expect(check.ok).toBe(false);
      expect(store.redeem(token, binding).ok).toBe(false);
    }
  });

  it("expires", () => {
    let now = 1_000;
    const store = new PlanTokenStore(60_000, () => now);
    const { token, expiresAt } = store.issue(binding);
    expect(expiresAt).toBe(new Date(61_000).toISOString());
    now = 61_000;
    expect(store.redeem(token, binding)).toEqual({ ok: false, reason: "the plan token has expired" });
  });

  it("refuses unknown tokens and issues distinct ones", () => {
    const store = new PlanTokenStore();
    expect(store.redeem("plan_forged", binding).ok).toBe(false);
    const a = store.issue(binding).token;
    const b = store.issue(binding).token;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^plan_[A-Za-z0-9_-]{24}$/);
  });

  it("canonical JSON ignores key order and undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
  });
});
