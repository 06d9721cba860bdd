import { describe, expect, it } from "vitest";
import { consentSchema, describePlan, obtainConsent, type ConsentChannel, type ElicitAnswer } from "../../../src/server/consent.js";
import { ConsentRefused } from "../../../src/server/errors.js";
import { PlanTokenStore } from "../../../src/server/plan-tokens.js";
import type { MutationPlan } from "../../../src/server/tool-spec.js";

const plan: MutationPlan = { summary: "Reboot 10.0.0.2", commands: [["talosctl", "reboot"]], targets: ["10.0.0.2"], impact: ["node reboots"] };
const destructivePlan: MutationPlan = { ...plan, summary: "Reset cp-1", typedConfirmation: "cp-1" };
const base = { caller: "local", tool: "reboot", args: { nodes: ["10.0.0.2"] }, plan, destructive: false };
const config = { consent: "elicit" as const, consentTimeoutMs: 1000, allowUnconfirmedDestructive: false };

function channel(answer: ElicitAnswer | Error | undefined): ConsentChannel & { asked: number } {
  const ch = {
    asked: 0,
    canElicit: () => answer !== undefined,
    async elicit() {
      ch.asked += 1;
      if (answer instanceof Error) throw answer;
      return answer!;
    },
  };
  return ch;
}

describe("consent", () => {
  it("grants only on accept with confirm true", async () => {
    await expect(obtainConsent(base, channel({ action: "accept", content: { confirm: true } }), config, new PlanTokenStore())).resolves.toEqual({
      kind: "granted",
      via: "elicitation",
    });
    for (const answer of [
      { action: "decline" as const },
      { action: "cancel" as const },
      { action: "accept" as const, content: { confirm: false } },
      { action: "accept" as const, content: {} },
    ]) {
      await expect(obtainConsent(base, channel(answer), config, new PlanTokenStore())).rejects.toBeInstanceOf(ConsentRefused);
    }
  });

  it("treats an elicitation error or timeout as not confirmed", async () => {
    await expect(obtainConsent(base, channel(new Error("Request timed out")), config, new PlanTokenStore())).rejects.toThrow(/timed out/);
  });

  it("needs the typed value for destructive plans", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    await expect(
      obtainConsent(request, channel({ action: "accept", content: { confirm: true, typed: "cp-2" } }), config, new PlanTokenStore()),
    ).rejects.toThrow(/did not match "cp-1"/);
    await expect(
      obtainConsent(request, channel({ action: "accept", content: { confirm: true, typed: "cp-1" } }), config, new PlanTokenStore()),
    ).resolves.toMatchObject({ kind: "granted" });
  });

  it("issues a plan token without elicitation, then accepts it once", async () => {
    const store = new PlanTokenStore();
    const first = await obtainConsent(base, channel(undefined), config, store);
    expect(first.kind).toBe("plan-issued");
    const token = (first as { token: string }).token;
    await expect(obtainConsent({ ...base, planToken: token }, channel(undefined), config, store)).resolves.toEqual({ kind: "granted", via: "plan-token" });
    await expect(obtainConsent({ ...base, planToken: token }, channel(undefined), config, store)).rejects.toThrow(/already used/);
  });

  it("uses plan tokens in plan mode even when the client can elicit", async () => {
    const ch = channel({ action: "accept", content: { confirm: true } });
    const outcome = await obtainConsent(base, ch, { ...config, consent: "plan" }, new PlanTokenStore());
    expect(outcome.kind).toBe("plan-issued");
    expect(ch.asked).toBe(0);
  });

  it("denies destructive changes without elicitation unless the operator allowed them", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    await expect(obtainConsent(request, channel(undefined), config, new PlanTokenStore())).rejects.toThrow(/cannot ask the user/);
    const store = new PlanTokenStore();
    const allowed = { ...config, allowUnconfirmedDestructive: true };
    const issued = (await obtainConsent(request, channel(undefined), allowed, store)) as { token: string };
    await expect(obtainConsent({ ...request, planToken: issued.token }, channel(undefined), allowed, store)).rejects.toThrow(/confirm: "cp-1"/);
    const again = (await obtainConsent(request, channel(undefined), allowed, store)) as { token: string };
    await expect(obtainConsent({ ...request, planToken: again.token, confirm: "cp-1" }, channel(undefined), allowed, store)).resolves.toMatchObject({
      kind: "granted",
    });
  });

  it("deny mode refuses and auto mode grants without asking", async () => {
    const ch = channel({ action: "accept", content: { confirm: true } });
    await expect(obtainConsent(base, ch, { ...config, consent: "deny" }, new PlanTokenStore())).rejects.toBeInstanceOf(ConsentRefused);
    await expect(obtainConsent(base, ch, { ...config, consent: "auto" }, new PlanTokenStore())).resolves.toEqual({ kind: "granted", via: "auto" });
    expect(ch.asked).toBe(0);
  });

  it("builds a flat schema and a readable plan", () => {
    const schema = consentSchema(destructivePlan);
    expect(schema.required).toEqual(["confirm", "typed"]);
    for (const property of Object.values(schema.properties)) expect(["boolean", "string"]).toContain(property.type);
    const text = describePlan({ ...plan, preview: "x".repeat(5000) });
    expect(text).toContain("Will run:\n  talosctl reboot");
    expect(text).toContain("(preview truncated)");
  });
});
