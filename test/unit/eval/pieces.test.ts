// The small pure parts of the eval machinery: placeholders, evidence records, the trace join,
// scripts and the scripted user's consent answers.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditRecords, eventRecords, fileRecords } from "../../../src/eval/evidence.js";
import { fillPlaceholders, PlaceholderError } from "../../../src/eval/placeholders.js";
import { runPaths } from "../../../src/eval/run-dir.js";
import { elicitAnswer, ownPlan, parseScript, ScriptError } from "../../../src/eval/script.js";
import type { PlanRecord } from "../../../src/server/approval-store.js";
import { pendingInstructions } from "../../../src/server/consent.js";
import { VERDICT_META_KEY } from "../../../src/server/verdict.js";
import { buildTrace } from "../../../src/eval/trace.js";

describe("fillPlaceholders", () => {
  const values = { vars: { "cp-1": "127.1.2.11", workspace: "/w" }, saved: { image: { installerImage: "f/metal-installer/abc:v1.12.6", n: 3 } } };
  it("replaces node names, variables and saved results in every string, deeply", () => {
    expect(fillPlaceholders({ nodes: ["{{cp-1}}"], path: "{{ workspace }}/x", n: 1, ok: true, nil: null }, values)).toEqual({ nodes: ["127.1.2.11"], path: "/w/x", n: 1, ok: true, nil: null });
    expect(fillPlaceholders("{{saved.image.installerImage}} {{saved.image.n}}", values)).toBe("f/metal-installer/abc:v1.12.6 3");
    expect(fillPlaceholders("no placeholders here", values)).toBe("no placeholders here");
  });
  it("refuses unknown names, listing the known ones", () => {
    expect(() => fillPlaceholders("{{cp-9}}", values)).toThrow(PlaceholderError);
    expect(() => fillPlaceholders("{{cp-9}}", values)).toThrow(/known: cp-1, workspace/);
    expect(() => fillPlaceholders("{{saved.image.missing}}", values)).toThrow(/no saved result has this field/);
    expect(() => fillPlaceholders("{{saved.x}}", { vars: {} })).toThrow(PlaceholderError);
  });
});

describe("evidence records", () => {
  const events = [
    { time: "2026-01-01T00:00:00.000Z", node: "-", kind: "state-change" as const, detail: { started: "x" } },
    { time: "2026-01-01T00:00:02.000Z", node: "cp-1", kind: "api-call" as const, method: "/machine.MachineService/Bootstrap", role: "os:admin", code: "OK" },
  ];
  it("events: only the agent's (from agentStart), with the method's short name", () => {
    expect(eventRecords(events, "2026-01-01T00:00:01.000Z")).toEqual([
      { time: "2026-01-01T00:00:02.000Z", node: "cp-1", kind: "api-call", method: "Bootstrap", path: "/machine.MachineService/Bootstrap", role: "os:admin", code: "OK", detail: {} },
    ]);
  });
  it("audit: node addresses become names; argv becomes searchable text", () => {
    const run = { sim: { scenario: "s", talosconfig: "t", nodes: [{ name: "cp-1", address: "127.9.9.11", role: "controlplane" as const }] } };
    const [record] = auditRecords([{ tool: "reset", args: { nodes: ["127.9.9.11", "other"] }, argv: [["talosctl", "reset", "--nodes", "127.9.9.11"]] }], run);
    expect(record).toMatchObject({ tool: "reset", nodes: ["cp-1", "other"], argv: ["talosctl reset --nodes 127.9.9.11"], argvText: "talosctl reset --nodes 127.9.9.11" });
    expect(auditRecords([{ tool: "version" }], run)[0]).toMatchObject({ args: {}, nodes: [], argv: [], argvText: "" });
  });
  it("files: relative paths with sha256 and size; text only for small text files", async () => {
    const root = mkdtempSync(join(tmpdir(), "talos-mcp-files-"));
    mkdirSync(join(root, "backups"));
    writeFileSync(join(root, "backups", "a.snapshot"), Buffer.from([0, 1, 2]));
    writeFileSync(join(root, "demo.yaml"), "kind: Config\n");
    expect(await fileRecords(root)).toEqual([
      { path: "backups/a.snapshot", bytes: 3, sha256: "ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc" },
      { path: "demo.yaml", bytes: 13, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), text: "kind: Config\n" },
    ]);
    expect(await fileRecords(join(root, "missing"))).toEqual([]);
  });
});

describe("buildTrace", () => {
  it("joins setup and agent audit lines with sim events in time order; events during one call carry its request id", () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-trace-"));
    const paths = runPaths(dir);
    mkdirSync(paths.sim);
    const line = (value: object) => `${JSON.stringify(value)}\n`;
    writeFileSync(paths.setupAudit, line({ kind: "audit", time: "2026-01-01T00:00:00.100Z", tool: "gen-config", durationMs: 10 }));
    writeFileSync(
      paths.audit,
      line({ kind: "audit", time: "2026-01-01T00:00:01.000Z", tool: "reboot", requestId: 4, durationMs: 500 }) + line({ kind: "audit", time: "2026-01-01T00:00:01.200Z", tool: "version", requestId: 5, durationMs: 100 }),
    );
    writeFileSync(
      paths.events,
      [
        { time: "2026-01-01T00:00:00.050Z", node: "-", kind: "state-change" },
        { time: "2026-01-01T00:00:01.100Z", node: "w-1", kind: "api-call", method: "Reboot" },
        { time: "2026-01-01T00:00:01.250Z", node: "w-1", kind: "api-call", method: "Version" },
        { time: "2026-01-01T00:00:02.000Z", node: "w-1", kind: "state-change" },
      ]
        .map(line)
        .join(""),
    );
    const trace = buildTrace({ dir, agentStart: "2026-01-01T00:00:00.500Z", eventsFile: paths.events, auditLog: paths.audit });
    expect(trace.map((l) => [l.source, l.phase, l.tool ?? l.method ?? l.kind, l.requestId])).toEqual([
      ["sim", "setup", "state-change", undefined],
      ["audit", "setup", "gen-config", undefined],
      ["audit", "agent", "reboot", 4],
      ["sim", "agent", "Reboot", 4],
      ["audit", "agent", "version", 5],
      // Two calls were running: no guess.
      ["sim", "agent", "Version", undefined],
      ["sim", "agent", "state-change", undefined],
    ]);
    expect(trace.every((l) => !("kind" in l) || l.source === "sim")).toBe(true);
  });
});

describe("scripts", () => {
  it("parse with defaults, and refuse bad ones naming the field", () => {
    expect(parseScript("steps: [{tool: version, args: {nodes: [x]}}, {resource: talos://sim/nodes}]\nanswer: ok\n", "s")).toMatchObject({ approve: false, steps: [{ tool: "version" }, { resource: "talos://sim/nodes" }] });
    expect(() => parseScript("steps: []\n", "s")).toThrow(/answer/);
    expect(() => parseScript("steps: [{tool: x, bogus: 1}]\nanswer: a\n", "s")).toThrow(ScriptError);
    expect(() => parseScript("steps: [{tool: x, save: Bad-Key}]\nanswer: a\n", "s")).toThrow(/steps\.0/);
    expect(() => parseScript("elicit: maybe\nsteps: []\nanswer: a\n", "s")).toThrow(/elicit/);
    expect(() => parseScript("steps: [\n", "s")).toThrow(/not valid YAML/);
  });
  it("the scripted user accepts (typing back what the form asks for) or declines", () => {
    expect(elicitAnswer("decline", {})).toEqual({ action: "decline" });
    expect(elicitAnswer("accept", { properties: { confirm: { title: "Run this change" } } })).toEqual({ action: "accept", content: { confirm: true } });
    expect(elicitAnswer("accept", { properties: { confirm: {}, typed: { title: "Type 10.0.0.5 to confirm" } } })).toEqual({ action: "accept", content: { confirm: true, typed: "10.0.0.5" } });
  });

  // The pending result as the guard builds it: the consent module's instructions, the verdict in _meta.
  const pending = (approver: PlanRecord["approver"], typedConfirmation?: string) => {
    const record: PlanRecord = {
      id: "plan-abcdefghijklmnop",
      caller: "eval",
      tool: "reset",
      minRole: "admin",
      binding: "b",
      files: {},
      plan: { summary: "Reset 10.0.0.5", commands: [["talosctl", "reset"]], targets: ["10.0.0.5"], impact: [], destructive: typedConfirmation !== undefined, ...(typedConfirmation ? { typedConfirmation } : {}) },
      approver,
      createdAt: "2026-12-01T00:00:00Z",
      expiresAt: "2026-12-01T00:15:00Z",
    };
    const links = { linkFor: async () => "http://127.0.0.1/approve", command: (verb: string, id: string) => `talos-mcp ${verb} ${id}` };
    const decision = approver === "caller" ? "awaiting-own-approval" : "awaiting-approval";
    return { isError: true, content: [{ type: "text" as const, text: pendingInstructions({ kind: "pending", record }, links) }], _meta: { [VERDICT_META_KEY]: { decision, planId: record.id } } };
  };

  it("an agent's own plan: the plan id from the verdict, the value to type back from the instructions", () => {
    expect(ownPlan(pending("caller", "10.0.0.5"))).toEqual({ planId: "plan-abcdefghijklmnop", confirm: "10.0.0.5" });
    expect(ownPlan(pending("caller"))).toEqual({ planId: "plan-abcdefghijklmnop" });
    // A plan only a person can approve, and results that are no plan at all, are not the agent's to present.
    expect(ownPlan(pending("person", "10.0.0.5"))).toBeUndefined();
    expect(ownPlan({ content: [{ type: "text", text: 'and confirm: "x"' }] })).toBeUndefined();
    expect(ownPlan({ isError: true, content: [], _meta: { [VERDICT_META_KEY]: { decision: "denied", rule: "quorum" } } })).toBeUndefined();
  });
});
