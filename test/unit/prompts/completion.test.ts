// Prompt registration over a real MCP client: arguments, rendering, errors and completion.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../src/config-types.js";
import { KNOWN_TALOS_VERSIONS, registerPrompts, workspaceClusters, workspaceTemplates, type PromptCompletions } from "../../../prompts/index.js";

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), "talos-mcp-prompts-"));
  mkdirSync(join(ws, "demo"));
  writeFileSync(join(ws, "demo/talosconfig"), "");
  writeFileSync(join(ws, "demo/controlplane.yaml"), "");
  mkdirSync(join(ws, "omni/prod"), { recursive: true });
  writeFileSync(join(ws, "omni/cluster.yaml"), "");
  writeFileSync(join(ws, "omni/prod/cluster.yml"), "");
  mkdirSync(join(ws, ".hidden"));
  writeFileSync(join(ws, ".hidden/secret.yaml"), "");
  mkdirSync(join(ws, "backups"));
  writeFileSync(join(ws, "notes.txt"), "");
  return ws;
}

describe("workspace lookups", () => {
  it("clusters are directories with a talosconfig; templates are YAML files, hidden dirs skipped", () => {
    const ws = workspace();
    expect(workspaceClusters(ws)).toEqual(["demo"]);
    expect(workspaceTemplates(ws)).toEqual(["demo/controlplane.yaml", "omni/cluster.yaml", "omni/prod/cluster.yml"]);
    expect(workspaceTemplates(join(ws, "missing"))).toEqual([]);
  });
});

describe("registered prompts", () => {
  let client: Client;
  const seen: { cluster?: string }[] = [];
  beforeAll(async () => {
    const server = new McpServer({ name: "t", version: "1" });
    const completions: PromptCompletions = {
      contexts: (prefix) => ["prod-admin", "staging"].filter((c) => c.startsWith(prefix)),
      nodes: (_prefix, cluster) => {
        seen.push({ cluster });
        return cluster === "demo" ? ["10.5.0.2", "10.5.0.3", "10.5.1.2"] : [];
      },
    };
    registerPrompts(server, { config: {} as Config, workspaceRoot: workspace(), completions });
    client = new Client({ name: "c", version: "1" });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
  });

  const complete = async (prompt: string, argument: string, value: string, args?: Record<string, string>) =>
    (await client.complete({ ref: { type: "ref/prompt", name: prompt }, argument: { name: argument, value }, ...(args ? { context: { arguments: args } } : {}) })).completion.values;

  it("lists every workflow with its arguments", async () => {
    const { prompts } = await client.listPrompts();
    const upgrade = prompts.find((p) => p.name === "upgrade-talos")!;
    expect(upgrade.title).toBe("Upgrade Talos");
    expect(upgrade.arguments).toEqual([
      expect.objectContaining({ name: "cluster", required: true }),
      expect.objectContaining({ name: "version", required: true }),
      expect.objectContaining({ name: "image", required: false }),
    ]);
    expect(prompts).toHaveLength(9);
  });

  it("renders a prompt, and a missing required argument is a clear error", async () => {
    const result = await client.getPrompt({ name: "troubleshoot-node", arguments: { cluster: "demo", node: "10.5.0.2" } });
    const message = result.messages[0]!.content as { type: string; text: string };
    expect(message.text).toContain("Troubleshoot the node 10.5.0.2 of `demo`");
    await expect(client.getPrompt({ name: "troubleshoot-node", arguments: { cluster: "demo" } })).rejects.toThrow(/node/);
  });

  it("completes clusters (workspace and contexts), templates, versions and nodes", async () => {
    expect(await complete("troubleshoot-node", "cluster", "")).toEqual(["demo", "prod-admin", "staging"]);
    expect(await complete("troubleshoot-node", "cluster", "st")).toEqual(["staging"]);
    expect(await complete("create-cluster-omni", "template", "omni/")).toEqual(["omni/cluster.yaml", "omni/prod/cluster.yml"]);
    expect(await complete("upgrade-talos", "version", "v1.12")).toEqual(KNOWN_TALOS_VERSIONS.filter((v) => v.startsWith("v1.12")));
    expect(await complete("upgrade-talos", "version", "v1.12")).toContain("v1.12.6");
    expect(await complete("troubleshoot-node", "node", "10.5.0", { cluster: "demo" })).toEqual(["10.5.0.2", "10.5.0.3"]);
    expect(seen.at(-1)).toEqual({ cluster: "demo" });
    expect(await complete("upgrade-kubernetes", "to", "1.")).toEqual([]);
  });
});
