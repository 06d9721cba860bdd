// Stable rule ids (shared/DESIGN.md §4). They appear in every denial, finding and audit line, so
// they never change once released; src/policy/rules.ts holds one entry per id.
export const RULE_IDS = [
  "no-ssh",
  "no-node-file-edits",
  "no-package-managers",
  "no-kubeadm",
  "bootstrap-once",
  "destructive-explicit",
  "no-cert-systemd-changes",
  "omni-reconcile",
  "real-commands-only",
  "argv-guard",
  "workspace-paths",
  "role-ceiling",
  "quorum",
  "one-minor-step",
  "protected-files",
  "kernel-arg-hosts",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === "string" && (RULE_IDS as readonly string[]).includes(value);
}
