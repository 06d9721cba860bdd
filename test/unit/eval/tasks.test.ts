// The task list itself: big enough, covering every rule id and every workflow prompt, each task
// complete (definition, reference and bad scripts that name real checks), and definitions that
// fail loudly with the field named.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTasks, parseDefinition, readsAnswer, scenarioFor, TaskError } from "../../../src/eval/definition.js";
import { loadScript } from "../../../src/eval/script.js";
import { RULE_IDS } from "../../../src/policy/rule-ids.js";
import { PACKAGE_ROOT } from "../../../src/server/package-info.js";
import { listScenarios } from "../../../src/sim/scenario.js";
import { loadPrompts } from "../../../prompts/index.js";

const tasks = loadTasks();

/** The situations issue 14 asks for, each with the task that plays it. */
const REQUIRED = {
  "create a cluster": "create-cluster",
  "create a cluster with Omni": "create-cluster-omni",
  "bootstrap an already-bootstrapped cluster": "bootstrap-already-bootstrapped",
  "recover etcd from a snapshot after quorum loss": "restore-after-quorum-loss",
  "upgrade with quorum at risk": "upgrade-quorum-at-risk",
  "upgrade across two minors": "upgrade-two-minors",
  "reset with consent": "reset-with-consent",
  "reset without consent": "reset-without-consent",
  "change an Omni-managed node": "change-omni-managed-node",
  "asked for SSH": "asked-for-ssh",
  "asked to install a package on a node": "asked-to-install-package",
  "asked to edit a file on a node": "asked-to-edit-file",
  "an invented command": "invented-command",
  "custom image with extensions": "custom-image-extensions",
  "air-gapped docs": "air-gapped-docs",
  "troubleshoot a failing service": "troubleshoot-etcd-member-down",
  KubeSpan: "kubespan",
  "Kubernetes upgrade": "omni-kubernetes-upgrade",
};

describe("the eval task list", () => {
  it("has at least 30 tasks, with unique names", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(30);
    expect(new Set(tasks.map((t) => t.name)).size).toBe(tasks.length);
  });

  it("covers every rule id", () => {
    const covered = new Set(tasks.flatMap((t) => t.covers.rules));
    expect(RULE_IDS.filter((rule) => !covered.has(rule))).toEqual([]);
  });

  it("covers every workflow prompt, and names only prompts that exist", () => {
    const prompts = loadPrompts().map((p) => p.name);
    const covered = new Set(tasks.flatMap((t) => t.covers.workflows));
    expect(prompts.filter((name) => !covered.has(name))).toEqual([]);
    expect([...covered].filter((name) => !prompts.includes(name))).toEqual([]);
  });

  it("docs/evals.md lists every task", () => {
    const doc = readFileSync(join(PACKAGE_ROOT, "docs", "evals.md"), "utf8");
    expect(tasks.filter((t) => !doc.includes(`\`${t.id}\``)).map((t) => t.id)).toEqual([]);
  });

  it("has a task for each situation the issue names", () => {
    const names = tasks.map((t) => t.name);
    expect(Object.entries(REQUIRED).filter(([, task]) => !names.includes(task))).toEqual([]);
  });

  it.each(tasks.map((t) => [t.id, t] as const))("%s: scenario, scripts and failsOn are consistent", (_id, task) => {
    const scenario = scenarioFor(task);
    expect(listScenarios().includes(scenario) || existsSync(scenario), `scenario ${scenario}`).toBe(true);
    const reference = loadScript(join(task.dir, "reference.yaml"));
    const bad = loadScript(join(task.dir, "bad.yaml"));
    expect(reference.failsOn).toBeUndefined();
    const ids = [...task.checks, ...task.forbidden].map((c) => c.id);
    expect(bad.failsOn?.length, "a bad run names the checks it must fail").toBeGreaterThan(0);
    expect(bad.failsOn!.filter((id) => !ids.includes(id))).toEqual([]);
    // A task whose checks read the answer gets one from both scripts.
    if (readsAnswer(task)) expect(reference.answer.trim().length).toBeGreaterThan(20);
  });
});

describe("parseDefinition", () => {
  const minimal = {
    name: "t",
    difficulty: "easy",
    covers: { rules: ["no-ssh"] },
    prompt: "Do the thing on the cluster, please.",
    setup: { scenario: "running-3cp-2w" },
    checks: [{ id: "a", says: "x", from: "events", where: { method: "Version" } }],
  };
  const parse = (value: unknown) => parseDefinition(JSON.stringify(value), "t.yaml");

  it("fills the defaults: plan consent, admin, no actions, no forbidden outcomes", () => {
    const parsed = parse(minimal);
    expect(parsed.setup.server).toEqual({ consent: "plan", role: "admin", readOnly: false, allowUnconfirmedDestructive: true });
    expect(parsed.setup.actions).toEqual([]);
    expect(parsed.forbidden).toEqual([]);
    expect(parsed.covers.workflows).toEqual([]);
  });

  it("names the field of every problem", () => {
    const message = (value: unknown) => {
      try {
        parse(value);
      } catch (error) {
        expect(error).toBeInstanceOf(TaskError);
        return (error as Error).message;
      }
      throw new Error("parsed");
    };
    expect(message({ ...minimal, bogus: 1 })).toMatch(/^t\.yaml: bogus: unknown field/);
    expect(message({ ...minimal, checks: [] })).toMatch(/checks: a task needs at least one success check/);
    expect(message({ ...minimal, covers: { rules: ["no-telnet"] } })).toMatch(/covers\.rules\.0/);
    expect(message({ ...minimal, difficulty: "trivial" })).toMatch(/difficulty/);
    expect(message({ ...minimal, setup: { scenario: "x", server: { consent: "yolo" } } })).toMatch(/setup\.server\.consent/);
    expect(message({ ...minimal, setup: { scenario: "x", actions: [{ wipeEtcd: [] }] } })).toMatch(/setup\.actions\.0\.wipeEtcd/);
    expect(message({ ...minimal, setup: { scenario: "x", actions: [{ file: { path: "../x", content: "" } }] } })).toMatch(/setup\.actions\.0\.file\.path: must be a path inside the workspace/);
    expect(message({ ...minimal, checks: [{ id: "a", says: "x", from: "events", where: { method: { matches: "(" } } }] })).toMatch(/checks\.0\.where\.method\.matches: must be a valid regular expression/);
    expect(message({ ...minimal, checks: [...minimal.checks, { id: "a", says: "y", from: "audit" }] })).toMatch(/check id 'a' is used twice/);
    expect(message({ ...minimal, prompt: "short" })).toMatch(/prompt/);
    expect(() => parseDefinition("a: [", "t.yaml")).toThrow(/not valid YAML/);
  });
});
