// Every workflow prompt: parses, renders, refuses a missing argument, names only this server's
// tools, and uses only commands that exist in the pinned talosctl / omnictl (real-commands-only).
import { homedir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { discoverBinary } from "../../../src/backends/binaries.js";
import type { CommandTreeData } from "../../../src/backends/command-tree-types.js";
import { readCommandTree } from "../../../src/backends/command-tree.js";
import { checkCommand } from "../../../src/policy/command-check.js";
import { findCommands } from "../../../src/policy/text-parse.js";
import { lintText } from "../../../src/policy/text-lint.js";
import { RESOURCE_TYPE_NAMES } from "../../../src/talos/resource-types.js";
import { loadPrompts, parsePrompt, PromptError, promptsDir, renderPrompt, type WorkflowPrompt } from "../../../prompts/index.js";
import { ALL_TOOLS } from "../../../tools/index.js";

const prompts = loadPrompts();
const cacheDir = process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp");

/** This server's tool names (issue 9); the lead points this at the registry once every tool is in. */
const SERVER_TOOLS = [
  "gen-config", "validate-config", "patch-config", "apply", "bootstrap", "kubeconfig", "health", "get", "logs", "dmesg", "services", "version",
  "etcd-status", "etcd-backup", "etcd-restore", "upgrade", "upgrade-kubernetes", "reboot", "reset",
  "template-validate", "template-sync", "template-status", "template-export", "omni-get", "omni-kubeconfig", "omni-talosconfig",
  "image-schematic", "docs-search", "cli-help", "policy-check",
];

const fullArgs = (prompt: WorkflowPrompt) => Object.fromEntries(prompt.arguments.map((a) => [a.name, `value-of-${a.name}`]));

describe("workflow prompts", () => {
  it("covers the operator workflows, each with a title and a real description", () => {
    expect(prompts.map((p) => p.name).sort()).toEqual(
      ["air-gapped", "create-cluster", "create-cluster-omni", "custom-image", "etcd-backup-restore", "kubespan", "troubleshoot-node", "upgrade-kubernetes", "upgrade-talos"].sort(),
    );
    for (const prompt of prompts) {
      expect(prompt.title, prompt.name).not.toBe("");
      expect(prompt.description.length, prompt.name).toBeGreaterThan(40);
      expect(prompt.arguments.some((a) => a.required), prompt.name).toBe(true);
    }
  });

  it("are read from the Markdown files next to the loader", () => {
    expect(promptsDir()).toMatch(/prompts\/?$/);
  });

  it("render every argument into its placeholder", () => {
    for (const prompt of prompts) {
      const text = renderPrompt(prompt, fullArgs(prompt));
      expect(text, prompt.name).not.toMatch(/\{\{/);
      for (const arg of prompt.arguments) expect(text, `${prompt.name}: ${arg.name}`).toContain(`value-of-${arg.name}`);
    }
    const create = prompts.find((p) => p.name === "create-cluster")!;
    const text = renderPrompt(create, { cluster: "demo", endpoint: "https://10.0.0.2:6443", controlplanes: "10.0.0.2" });
    expect(text).toContain("Create the Talos cluster `demo` with API endpoint https://10.0.0.2:6443.");
    expect(text).toContain("Workers: not given.");
  });

  it("refuse a missing or blank required argument, naming it", () => {
    for (const prompt of prompts) {
      for (const arg of prompt.arguments.filter((a) => a.required)) {
        const args = { ...fullArgs(prompt), [arg.name]: " " };
        expect(() => renderPrompt(prompt, args), `${prompt.name}: ${arg.name}`).toThrow(new RegExp(`missing required argument\\(s\\) '${arg.name}'`));
      }
    }
  });

  it("name only this server's tools", () => {
    const tools = new Set(SERVER_TOOLS);
    // Single backticked words are tool names, `get` resource types, template kinds or a cluster name placeholder.
    const notTools = new Set<string>([...RESOURCE_TYPE_NAMES, "Cluster", "ControlPlane", "Workers", "Machine", "force", "to"]);
    for (const prompt of prompts) {
      const text = renderPrompt(prompt, fullArgs(prompt));
      const words = [...text.matchAll(/`([A-Za-z][A-Za-z0-9-]*)`/g)].map((m) => m[1]!).filter((w) => !w.startsWith("value-of-"));
      const named = words.filter((w) => !notTools.has(w));
      expect(named.length, prompt.name).toBeGreaterThan(2);
      for (const name of named) expect(tools.has(name), `${prompt.name} names ${name}, which is not a tool of this server`).toBe(true);
    }
  });
});

describe("the tools a workflow needs", () => {
  it("are real tools of this server, each named in the workflow's text", () => {
    const registered = new Set(ALL_TOOLS.map((tool) => tool.name));
    for (const prompt of prompts) {
      for (const tool of prompt.tools) {
        expect(registered.has(tool), `${prompt.name} needs ${tool}, which is not a registered tool`).toBe(true);
        expect(prompt.body, `${prompt.name} needs ${tool} but never names it`).toContain(`\`${tool}\``);
      }
    }
  });
});

describe("commands in prompts exist in the pinned CLIs and break no rule", () => {
  const trees: Partial<Record<"talosctl" | "omnictl", CommandTreeData>> = {};
  beforeAll(async () => {
    for (const binary of ["talosctl", "omnictl"] as const) {
      const info = await discoverBinary(binary, { cacheDir });
      if (!info) throw new Error(`${binary} is not built: run npm run clis (expected under ${cacheDir}/bin)`);
      trees[binary] = await readCommandTree(info, { cacheDir });
    }
  }, 120_000);

  it("every talosctl / omnictl command line resolves in the command tree", () => {
    let checked = 0;
    for (const prompt of prompts) {
      const text = renderPrompt(prompt, fullArgs(prompt));
      // Commands as written in code; talosctl/omnictl mentioned in prose are judged by lintText below.
      for (const command of findCommands(text).filter((c) => c.source !== "prose")) {
        const binary = command.words[0];
        if (binary !== "talosctl" && binary !== "omnictl") continue;
        const verdict = checkCommand(binary, command.words.slice(1), trees[binary]!);
        expect(verdict.ok, `${prompt.name}: ${command.words.join(" ")}: ${verdict.ok ? "" : verdict.message}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(25);
  });

  it("passes every rule of policy-check", () => {
    for (const prompt of prompts) expect(lintText(renderPrompt(prompt, fullArgs(prompt)), trees), prompt.name).toEqual([]);
  });

  it("the check would catch the skill's invented commands", () => {
    const invented = parsePrompt("bad.md", "---\nname: bad\ntitle: Bad\ndescription: d\ntools: [cli-help]\narguments: []\n---\nRun `talosctl etcd backup` then `omnictl cluster create`.");
    const verdicts = findCommands(invented.body).map((c) => checkCommand(c.words[0] as "talosctl" | "omnictl", c.words.slice(1), trees[c.words[0] as "talosctl" | "omnictl"]!));
    expect(verdicts.map((v) => v.ok)).toEqual([false, false]);
  });
});

describe("prompt file format", () => {
  const parseError = (text: string) => {
    try {
      parsePrompt("x.md", text);
    } catch (error) {
      expect(error).toBeInstanceOf(PromptError);
      return (error as Error).message;
    }
    throw new Error("accepted");
  };

  it("refuses files without frontmatter, required fields, or with undeclared placeholders", () => {
    expect(parseError("# just markdown")).toMatch(/missing YAML frontmatter/);
    expect(parseError("---\nname: x\ntitle: X\n---\nbody")).toMatch(/'description' is required/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\nauthor: me\n---\nbody")).toMatch(/unknown frontmatter field\(s\) author/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\ntools: [health]\narguments:\n  - name: a\n---\nbody")).toMatch(/\(a\) needs a description/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\ntools: [health]\n---\nUse {{node}}")).toMatch(/\{\{node\}\} have no argument/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\n---\nbody")).toMatch(/'tools' must list the tools the workflow needs/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\ntools: []\n---\nbody")).toMatch(/'tools' must list/);
    expect(parseError("---\nname: x\ntitle: X\ndescription: d\ntools: [Health Check]\n---\nbody")).toMatch(/'tools' must list/);
  });
});
