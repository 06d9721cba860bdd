import { describe, expect, it } from "vitest";
import { evaluateCall } from "../../../src/policy/engine.js";
import { RULE_IDS } from "../../../src/policy/rule-ids.js";
import { RULES, ruleById } from "../../../src/policy/rules.js";

describe("rule table", () => {
  it("has one entry per rule id with a docs.siderolabs.com link", () => {
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    for (const rule of RULES) {
      expect(rule.docs, rule.id).toMatch(/^https:\/\/docs\.siderolabs\.com\/(talos\/v1\.12|omni|kubernetes-guides)\/[a-z0-9/-]+$/);
      expect(rule.description.length, rule.id).toBeGreaterThan(40);
      expect(ruleById(rule.id)).toBe(rule);
    }
  });
});

describe("call checks", () => {
  const facts = { tool: "reboot", risk: "mutate" as const, minRole: "operator" as const, effectiveRole: "admin" as const, readOnly: false, rules: [] };
  it("allows within the ceiling", () => {
    expect(evaluateCall(facts)).toEqual({ allow: true, checked: ["role-ceiling"] });
    expect(evaluateCall({ ...facts, risk: "read", minRole: "none", effectiveRole: "reader" }).allow).toBe(true);
    expect(evaluateCall({ ...facts, risk: "local-write", minRole: "etcd:backup", effectiveRole: "operator" }).allow).toBe(true);
  });
  it("denies above the ceiling and anything but reads when read-only", () => {
    expect(evaluateCall({ ...facts, effectiveRole: "reader" })).toMatchObject({ allow: false, rule: "role-ceiling", reason: expect.stringMatching(/needs role operator/) });
    expect(evaluateCall({ ...facts, minRole: "etcd:backup", effectiveRole: "reader" })).toMatchObject({ allow: false });
    expect(evaluateCall({ ...facts, readOnly: true })).toMatchObject({ allow: false, rule: "role-ceiling", reason: expect.stringMatching(/read-only/) });
    expect(evaluateCall({ ...facts, risk: "local-write", minRole: "none", readOnly: true })).toMatchObject({ allow: false });
    expect(evaluateCall({ ...facts, risk: "read", minRole: "reader", readOnly: true }).allow).toBe(true);
  });
});
