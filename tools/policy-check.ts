// policy-check: lint the commands (or a whole plan or answer) an agent proposes against every Talos
// rule, before anyone runs them — prose and code alike. Text that names a forbidden thing only to
// say it is forbidden ("Talos has no SSH") is not flagged. `talos-mcp policy-check` runs the same lint.
import { z } from "zod";
import { RULE_IDS } from "../src/policy/rule-ids.js";
import { ruleById } from "../src/policy/rules.js";
import { lintText } from "../src/policy/text-lint.js";
import { defineTool } from "../src/server/tool-spec.js";

const finding = z.object({
  rule: z.enum(RULE_IDS),
  severity: z.enum(["error", "warning"]),
  span: z.object({ start: z.number(), end: z.number(), line: z.number(), column: z.number() }),
  message: z.string(),
  fix: z.string(),
  docs: z.string(),
});

export default defineTool({
  name: "policy-check",
  title: "Check commands against the Talos rules",
  description:
    "Check commands, a runbook or an answer against the Talos rules (e.g. no SSH, package managers or kubeadm; real commands only) before you give it. Returns findings with rule ids and fixes.",
  toolset: "policy",
  risk: "read",
  minRole: "none",
  openWorld: false,
  idempotent: true,
  rules: ["no-ssh", "no-node-file-edits", "no-package-managers", "no-kubeadm", "bootstrap-once", "destructive-explicit", "no-cert-systemd-changes", "omni-reconcile", "real-commands-only"],
  input: z.object({ text: z.string().min(1, "must not be empty").max(100_000).describe("Commands or text (Markdown is fine).") }).strict(),
  output: z.object({ findings: z.array(finding), clean: z.boolean() }),
  publishOutputSchema: true,
  async run(args, ctx) {
    const [talosctl, omnictl] = await Promise.all([ctx.commandTree("talosctl").catch(() => undefined), ctx.commandTree("omnictl").catch(() => undefined)]);
    const findings = lintText(args.text, { talosctl, omnictl }).map((f) => ({ ...f, docs: ruleById(f.rule).docs }));
    const text = findings.length
      ? findings.map((f) => `${f.severity.toUpperCase()} [${f.rule}] line ${f.span.line}: ${f.message}\n  fix: ${f.fix}`).join("\n")
      : "No findings: nothing in the text breaks a Talos rule.";
    return { structured: { findings, clean: findings.length === 0 }, text };
  },
});
