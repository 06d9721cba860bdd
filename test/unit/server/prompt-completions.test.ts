import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { promptCompletions } from "../../../src/server/prompt-completions.js";

describe("prompt completions", () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-completions-"));
  const talosconfig = join(dir, "talosconfig");
  writeFileSync(talosconfig, stringify({ context: "prod", contexts: { prod: { endpoints: ["10.0.0.2"] }, staging: { endpoints: ["10.0.1.2"] }, lab: { endpoints: ["10.0.2.2"] } } }));
  mkdirSync(join(dir, "ws/demo"), { recursive: true });
  writeFileSync(join(dir, "ws/demo/cluster-state.json"), JSON.stringify({ nodes: { "10.5.0.2": { role: "controlplane" }, "10.5.0.3": { role: "worker" } }, bootstraps: [] }));
  const completions = promptCompletions({ talosconfig, context: undefined, allowedContexts: ["staging"], workspace: join(dir, "ws") });

  it("offers only the allowlisted contexts", async () => {
    expect(await completions.contexts!("")).toEqual(["prod", "staging"]);
    expect(await completions.contexts!("st")).toEqual(["staging"]);
  });

  it("offers the nodes of a workspace cluster, nothing for unknown or odd names", async () => {
    expect(await completions.nodes!("10.5", "demo")).toEqual(["10.5.0.2", "10.5.0.3"]);
    await expect(completions.nodes!("", "../etc")).resolves.toEqual([]);
    await expect(completions.nodes!("", "missing")).rejects.toThrow();
  });
});
