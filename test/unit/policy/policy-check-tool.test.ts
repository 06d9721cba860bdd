// The policy-check tool end to end over its schema and run(): findings carry rule ids and docs
// links, the output validates against its own outputSchema, and a missing command tree (binary not
// installed) still lints every other rule.
import { describe, expect, it } from "vitest";
import policyCheck from "../../../tools/policy-check.js";
import type { CommandTreeData } from "../../../src/backends/command-tree-types.js";
import { ruleById } from "../../../src/policy/rules.js";
import type { CliBinary, ToolContext } from "../../../src/server/tool-spec.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

// policy-check only reads command trees; anything else on the context would be a bug.
const contextWith = (trees: Partial<Record<CliBinary, CommandTreeData>>) =>
  ({ commandTree: async (binary: CliBinary) => trees[binary] }) as unknown as ToolContext;

const check = async (text: string, trees: Partial<Record<CliBinary, CommandTreeData>> = { talosctl: TALOSCTL_TREE }) => {
  const input = policyCheck.input.parse({ text });
  const outcome = await policyCheck.run(input, contextWith(trees));
  return { ...outcome, structured: policyCheck.output!.parse(outcome.structured) };
};

describe("policy-check tool", () => {
  it("reports the invented etcd backup with the real command and the rule's docs link", async () => {
    const { structured, text } = await check("```sh\ntalosctl etcd backup --nodes 10.0.0.2\n```");
    expect(structured.clean).toBe(false);
    const finding = structured.findings.find((f) => f.rule === "real-commands-only")!;
    expect(finding.fix).toContain("talosctl etcd snapshot");
    expect(finding.docs).toBe(ruleById("real-commands-only").docs);
    expect(finding.span.line).toBe(2);
    expect(text).toContain("[real-commands-only]");
  });

  it("is clean for real commands and for prose that only mentions forbidden things", async () => {
    const { structured, text } = await check("Talos has no SSH and apt is not available.\n$ talosctl etcd snapshot db.snap --nodes 10.0.0.2");
    expect(structured).toEqual({ findings: [], clean: true });
    expect(text).toMatch(/No findings/);
  });

  it("still applies the tree-free rules when no command tree is available", async () => {
    const { structured } = await check("$ ssh root@10.0.0.2\n$ talosctl etcd backup", {});
    expect(structured.findings.map((f) => f.rule)).toEqual(["no-ssh"]);
  });

  it("rejects empty text and unknown fields at the schema", () => {
    expect(policyCheck.input.safeParse({ text: "" }).success).toBe(false);
    expect(policyCheck.input.safeParse({ text: "ls", extra: 1 }).success).toBe(false);
    expect(policyCheck.input.safeParse({ text: "x".repeat(100_001) }).success).toBe(false);
  });

  it("declares itself a read-only, closed-world policy tool available to every role", () => {
    expect(policyCheck).toMatchObject({ name: "policy-check", toolset: "policy", risk: "read", minRole: "none", openWorld: false, idempotent: true });
  });
});
