// Call-time policy: the static checks every call passes before any preflight. Rules as data —
// each check is an entry with its rule id — so adding one is an entry plus its tests.
import { requiredRole, roleAllows, type RequiredRole, type Role } from "../server/roles.js";
import type { Risk } from "../server/tool-spec.js";
import type { RuleId } from "./rule-ids.js";
import { ruleById } from "./rules.js";

export interface CallFacts {
  tool: string;
  risk: Risk;
  minRole: RequiredRole;
  effectiveRole: Role;
  readOnly: boolean;
  rules: readonly RuleId[];
}

export type Decision = { allow: true; checked: RuleId[] } | { allow: false; rule: RuleId; reason: string; fix: string; docs: string };

interface CallCheck {
  rule: RuleId;
  /** A reason to deny, or undefined to allow. */
  deny(facts: CallFacts): { reason: string; fix: string } | undefined;
}

const CALL_CHECKS: readonly CallCheck[] = [
  {
    rule: "role-ceiling",
    deny: (f) => {
      const needed = requiredRole(f);
      return roleAllows(f.effectiveRole, needed)
        ? undefined
        : { reason: `${f.tool} needs role ${needed} (a ${f.risk} tool); this session's role is ${f.effectiveRole}`, fix: "use a read tool, or a credential/token with the needed role" };
    },
  },
  {
    rule: "role-ceiling",
    deny: (f) => (f.readOnly && f.risk !== "read" ? { reason: `the server is read-only and ${f.tool} is a ${f.risk} tool`, fix: "use read tools only, or restart the server without --read-only" } : undefined),
  },
];

export function evaluateCall(facts: CallFacts): Decision {
  for (const check of CALL_CHECKS) {
    const denial = check.deny(facts);
    if (denial) return { allow: false, rule: check.rule, ...denial, docs: ruleById(check.rule).docs };
  }
  return { allow: true, checked: [...new Set(CALL_CHECKS.map((check) => check.rule))] };
}
