import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { boundDiff, describeRef, destructiveTeardowns, parseSyncActions, parseTemplateDiff } from "../../../src/omni/diff.js";

// Output shape of `omnictl cluster template diff` v1.9.3 (utils.RenderDiff: `--- <old>` / `+++ <new>`
// headers with Type(namespace/id) or /dev/null), including YAML lines that themselves start with "--".
const teardownDiff = readFileSync(new URL("./fixtures/template-diff-teardown.txt", import.meta.url), "utf8");

describe("parseTemplateDiff", () => {
  it("sorts resources into updates, creates and teardowns", () => {
    expect(parseTemplateDiff(teardownDiff)).toEqual({
      updates: [{ type: "Clusters.omni.sidero.dev", namespace: "default", id: "demo" }],
      creates: [{ type: "ConfigPatches.omni.sidero.dev", namespace: "default", id: "400-demo-workers-ntp" }],
      teardowns: [
        { type: "MachineSetNodes.omni.sidero.dev", namespace: "default", id: "430d882a-51a8-48b3-ae00-90c5b0b5b0b1" },
        { type: "MachineSets.omni.sidero.dev", namespace: "default", id: "demo-workers" },
      ],
    });
  });

  it("ignores colour codes and reads an empty diff as no change", () => {
    const coloured = "\u001b[1m--- /dev/null\u001b[0m\n\u001b[1m+++ Clusters.omni.sidero.dev(default/demo)\u001b[0m\n\u001b[32m+metadata:\u001b[0m\n";
    expect(parseTemplateDiff(coloured).creates).toEqual([{ type: "Clusters.omni.sidero.dev", namespace: "default", id: "demo" }]);
    expect(parseTemplateDiff("")).toEqual({ creates: [], updates: [], teardowns: [] });
  });

  it("does not mistake removed YAML lines for headers", () => {
    expect(parseTemplateDiff("--- x\n+++ y\n--- /dev/null\n+++ /dev/null\n")).toEqual({ creates: [], updates: [], teardowns: [] });
  });
});

describe("destructiveTeardowns", () => {
  it.each([
    ["Clusters.omni.sidero.dev", true],
    ["MachineSets.omni.sidero.dev", true],
    ["MachineSetNodes.omni.sidero.dev", true],
    ["ConfigPatches.omni.sidero.dev", false],
    ["ExtensionsConfigurations.omni.sidero.dev", false],
  ])("teardown of %s destructive: %s", (type, destructive) => {
    const diff = { creates: [], updates: [], teardowns: [{ type, namespace: "default", id: "x" }] };
    expect(destructiveTeardowns(diff).length > 0).toBe(destructive);
  });
  it("never counts creates or updates", () => {
    const ref = { type: "Clusters.omni.sidero.dev", namespace: "default", id: "demo" };
    expect(destructiveTeardowns({ creates: [ref], updates: [ref], teardowns: [] })).toEqual([]);
    expect(describeRef(ref)).toBe("Clusters(demo)");
  });
});

describe("parseSyncActions", () => {
  it("reads omnictl's coloured `* action Type(id)` lines and nothing else", () => {
    const stdout = "\u001b[33m* creating \u001b[1mClusters.omni.sidero.dev(demo)\u001b[0m\n* updating MachineSets.omni.sidero.dev(demo-workers)\n* tearing down MachineSetNodes.omni.sidero.dev(m1)\n* destroyed MachineSetNodes.omni.sidero.dev(m1)\nsome other line\n* deleting nothing\n";
    expect(parseSyncActions(stdout)).toEqual([
      { action: "creating", resource: "Clusters.omni.sidero.dev(demo)" },
      { action: "updating", resource: "MachineSets.omni.sidero.dev(demo-workers)" },
      { action: "tearing down", resource: "MachineSetNodes.omni.sidero.dev(m1)" },
      { action: "destroyed", resource: "MachineSetNodes.omni.sidero.dev(m1)" },
    ]);
    expect(parseSyncActions("")).toEqual([]);
  });
});

describe("boundDiff", () => {
  // omnictl stamps resources it would create with the current time: two dry runs a second apart
  // differ only there, and an approval must survive that (and nothing else).
  const at = (time: string) => `--- /dev/null\n+++ MachineSetNodes.omni.sidero.dev(default/m1)\n@@ -0,0 +1,6 @@\n+metadata:\n+  id: m1\n+  created: ${time}\n+  updated: ${time}\n+  labels:\n+    omni.sidero.dev/cluster: demo\n`;

  it("drops only omnictl's creation and update stamps", () => {
    expect(boundDiff(at("2026-12-01T13:24:45Z"))).toBe(boundDiff(at("2026-12-01T13:24:46Z")));
    expect(boundDiff(at("2026-12-01T13:24:45Z"))).not.toMatch(/created|updated/);
    expect(boundDiff(at("2026-12-01T13:24:45Z"))).toContain("omni.sidero.dev/cluster: demo");
  });

  it("does not depend on the order omnictl prints resources in", () => {
    const second = at("t").replace(/m1/g, "m2");
    expect(boundDiff(`${at("t")}${second}`)).toBe(boundDiff(`${second}${at("t")}`));
    expect(boundDiff(`${at("t")}${second}`)).not.toBe(boundDiff(`${at("t")}${at("t")}`));
  });

  it("keeps every other difference", () => {
    expect(boundDiff(at("x").replace("cluster: demo", "cluster: prod"))).not.toBe(boundDiff(at("x")));
    expect(boundDiff(at("x").replace("id: m1", "id: m2"))).not.toBe(boundDiff(at("x")));
    expect(boundDiff(teardownDiff)).not.toBe(boundDiff(teardownDiff.replace("demo-workers", "demo-other")));
  });
});
