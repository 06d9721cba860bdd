// The built server over stdio, as a client launches it, with a 2025-11-25 client (SDK 1.x) and a
// 2026-07-28 client (SDK v2, pinned) in the same run: both get the whole surface (the golden tool
// list, prompts, resources, completion), the same errors, and consent — on the simulator, a
// mutation asked through InputRequiredResult for the 2026 client, within the call for 2025.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, textOf, type ClientKind, type StdioCommand, type TestClient } from "../helpers/clients.js";
import { CLI, REPO_ROOT } from "../helpers/stdio-server.js";

const GOLDEN_NAMES = (JSON.parse(readFileSync(join(REPO_ROOT, "test/golden/tools-list.json"), "utf8")) as { name: string }[]).map((tool) => tool.name);

function command(extra: string[] = []): StdioCommand & { auditLog: string } {
  const root = mkdtempSync(join(tmpdir(), "talos-mcp-stdio-eras-"));
  const auditLog = join(root, "audit.jsonl");
  return {
    command: process.execPath,
    args: [CLI, "serve", "--workspace", join(root, "ws"), "--state-dir", join(root, "state"), "--audit-log", auditLog, "--log-level", "warn", ...extra],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root },
    auditLog,
  };
}

const audit = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { tool: string; decision: string; message?: string });

describe.each(["2025-11-25 stdio", "2026-07-28 stdio"] as ClientKind[])("%s", (kind) => {
  let client: TestClient;
  beforeAll(async () => {
    client = await connectClient(kind, command());
  });
  afterAll(() => client?.close());

  it("gets every tool, prompt and resource", async () => {
    if (kind.startsWith("2026")) expect(client.protocolVersion()).toBe("2026-07-28");
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(GOLDEN_NAMES);
    const prompts = await client.listPrompts();
    expect(prompts).toContain("upgrade-talos");
    expect(await client.getPrompt("upgrade-talos", { cluster: "demo", version: "v1.12.7" })).toContain("v1.12.7");
    expect(await client.complete({ type: "ref/prompt", name: "upgrade-talos" }, { name: "version", value: "v1.12" })).toEqual(expect.arrayContaining([expect.stringMatching(/^v1\.12/)]));
    const rules = await client.readResource("talos://rules");
    expect(JSON.parse(rules.contents[0]!.text!).length).toBeGreaterThan(10);
    await expect(client.readResource("talos://rules/no-such-rule")).rejects.toMatchObject({ code: -32602 });
  });

  it("validates input in the guard and refuses unknown tools as the spec says", async () => {
    const invalid = await client.callTool("policy-check", { text: 42 });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/Invalid input for policy-check: .*text/);
    await expect(client.callTool("no-such-tool", {})).rejects.toMatchObject({ code: -32602 });
  });
});

describe("consent over stdio on the simulator", () => {
  it.each(["2025-11-25 stdio", "2026-07-28 stdio"] as ClientKind[])("%s: the user accepts the form, the upgrade runs once", async (kind) => {
    const target = command(["--sim", "running-3cp-2w"]);
    const asked: string[] = [];
    const client = await connectClient(kind, target, { form: (message) => (asked.push(message), { action: "accept", content: { confirm: true } }) });
    try {
      const nodes = JSON.parse((await client.readResource("talos://sim/nodes")).contents[0]!.text!) as { address: string; role: string }[];
      const node = nodes.find((n) => n.role === "worker")!.address;
      const done = await client.callTool("upgrade", { nodes: [node], image: "ghcr.io/siderolabs/installer:v1.12.7" });
      expect(done.isError, textOf(done)).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain(`Upgrade ${node} to v1.12.7`);
      const lines = audit(target.auditLog).filter((line) => line.tool === "upgrade");
      expect(lines.at(-1)).toMatchObject({ decision: "allowed" });
      expect(lines.at(-1)!.message).toMatch(kind.startsWith("2026") ? /consent: person by the client's user \(elicitation\) plan-/ : /consent: elicitation/);
    } finally {
      await client.close();
    }
  });
});
