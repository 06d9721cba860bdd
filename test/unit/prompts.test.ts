// Every workflow prompt: parses, renders, names only real tools and only real CLI commands.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverBinary } from "../../src/backends/binaries.js";
import { readCommandTree } from "../../src/backends/command-tree.js";
import { lintText } from "../../src/policy/text-lint.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { loadPrompts, renderPrompt } from "../../prompts/index.js";

const prompts = loadPrompts();
const cacheDir = process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp");
// Tools that later issues add; the prompts may name them ahead of the registry.
const PLANNED_TOOLS = ["template-validate", "template-sync", "template-status", "template-export", "omni-get", "omni-kubeconfig", "omni-talosconfig", "image-schematic", "docs-search"];

describe("workflow prompts", () => {
  it("covers the operator workflows", () => {
    expect(prompts.map((p) => p.name).sort()).toEqual(
      ["air-gapped", "create-cluster", "create-cluster-omni", "custom-image", "etcd-backup-restore", "kubespan", "troubleshoot-node", "upgrade-kubernetes", "upgrade-talos"].sort(),
    );
    for (const prompt of prompts) expect(prompt.description.length, prompt.name).toBeGreaterThan(20);
  });

  it("renders arguments and refuses a missing required one", () => {
    const create = prompts.find((p) => p.name === "create-cluster")!;
    const text = renderPrompt(create, { cluster: "demo", endpoint: "https://10.0.0.2:6443", controlplanes: "10.0.0.2" });
    expect(text).toContain("`demo`");
    expect(text).not.toMatch(/\{\{/);
    expect(() => renderPrompt(create, { cluster: "demo" })).toThrow(/argument 'endpoint' is required/);
  });

  it("names only tools that exist", () => {
    const known = new Set([...ALL_TOOLS.map((t) => t.name), ...PLANNED_TOOLS]);
    // Backticked words that are not tools: resource types passed to `get`, and the `v` version prefix.
    const notTools = new Set(["machinestatus", "kubespanpeerstatuses", "extensions", "v"]);
    for (const prompt of prompts) {
      const named = [...prompt.body.matchAll(/`([a-z]+(?:-[a-z]+)*)`/g)].map((m) => m[1]!).filter((word) => !notTools.has(word));
      expect(named.length, prompt.name).toBeGreaterThan(0);
      for (const name of named) expect(known.has(name), `${prompt.name} names unknown tool ${name}`).toBe(true);
    }
  });

  it("uses only real talosctl/omnictl commands and breaks no rule", async () => {
    const trees: Parameters<typeof lintText>[1] = {};
    for (const binary of ["talosctl", "omnictl"] as const) {
      const info = await discoverBinary(binary, { cacheDir });
      expect(info, `${binary} must be built (npm run clis)`).toBeDefined();
      trees[binary] = await readCommandTree(info!, { cacheDir });
    }
    expect(existsSync(cacheDir)).toBe(true);
    for (const prompt of prompts) {
      const findings = lintText(renderPrompt(prompt, Object.fromEntries(prompt.arguments.map((a) => [a.name, "x"]))), trees);
      expect(findings, prompt.name).toEqual([]);
    }
  });
});

describe("prompt argument completion", () => {
  it("offers workspace clusters, templates and Talos versions", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { completionsFor } = await import("../../prompts/index.js");
    const ws = mkdtempSync(join(tmpdir(), "talos-mcp-complete-"));
    mkdirSync(join(ws, "demo"));
    writeFileSync(join(ws, "demo/talosconfig"), "");
    mkdirSync(join(ws, "omni"));
    writeFileSync(join(ws, "omni/cluster.yaml"), "");
    mkdirSync(join(ws, "backups"));
    expect(completionsFor("cluster", ws)!("")).toEqual(["demo"]);
    expect(completionsFor("template", ws)!("om")).toEqual(["omni/cluster.yaml"]);
    expect(completionsFor("version", ws)!("v1.12")).toContain("v1.12.6");
    expect(completionsFor("node", ws)).toBeUndefined();
  });
});
