// The guarded wrapper through a real MCP client (in-memory transport): consent by elicitation
// (accept, decline, cancel, timeout), plan tokens (reuse, expiry is unit-tested, tampering),
// typed confirmation, role ceiling, read-only, and the invariants over the real tool registry.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildConfig, parseServeFlags } from "../../src/config.js";
import { createAuditLog } from "../../src/audit/audit.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { isMutation } from "../../src/server/registry.js";
import { requiredRole, roleAllows, type Role } from "../../src/server/roles.js";
import { defineTool, type AnyToolSpec } from "../../src/server/tool-spec.js";
import { ALL_TOOLS } from "../../tools/index.js";

const ran: string[] = [];
const readTool = defineTool({
  name: "fake-read",
  title: "Fake read",
  description: "reads",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: false,
  rules: [],
  input: z.object({ node: z.string().describe("node") }).strict(),
  output: z.object({ node: z.string() }),
  run: async (args) => ({ structured: { node: args.node } }),
});
const mutateTool = defineTool({
  name: "fake-reboot",
  title: "Fake reboot",
  description: "mutates",
  toolset: "lifecycle",
  risk: "mutate",
  minRole: "operator",
  openWorld: false,
  rules: ["quorum"],
  input: z.object({ node: z.string().describe("node") }).strict(),
  plan: async (args) => ({ summary: `Reboot ${args.node}`, commands: [["talosctl", "reboot"]], targets: [args.node], impact: ["reboots"] }),
  run: async (args) => {
    ran.push(`reboot ${args.node}`);
    return { structured: { rebooted: args.node } };
  },
});
const destroyTool = defineTool({
  name: "fake-reset",
  title: "Fake reset",
  description: "destroys",
  toolset: "lifecycle",
  risk: "destructive",
  minRole: "admin",
  openWorld: false,
  rules: ["destructive-explicit"],
  input: z.object({ node: z.string().describe("node") }).strict(),
  plan: async (args) => ({ summary: `Wipe ${args.node}`, commands: [["talosctl", "reset"]], targets: [args.node], impact: ["data loss"], typedConfirmation: args.node }),
  run: async (args) => {
    ran.push(`reset ${args.node}`);
    return { structured: { reset: args.node } };
  },
});
const fakes = [readTool, mutateTool, destroyTool];

async function connect(options: {
  argv?: string[];
  role?: Role;
  elicit?: (message: string, properties: string[]) => Promise<ElicitResult>;
  tools?: readonly AnyToolSpec[];
  consentTimeoutMs?: number;
}) {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-guard-"));
  const base = buildConfig({
    flags: parseServeFlags(["--workspace", join(dir, "ws"), "--state-dir", join(dir, "state"), ...(options.argv ?? [])]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  const config = { ...base, consentTimeoutMs: options.consentTimeoutMs ?? base.consentTimeoutMs };
  const audit = createAuditLog({ file: join(dir, "audit.jsonl") });
  const factory = createSessionServerFactory(config, { tools: options.tools ?? fakes, audit });
  const server = factory.create({ transport: "memory", name: "tester", role: options.role ?? "admin" });
  const client = new Client({ name: "t", version: "1" }, { capabilities: options.elicit ? { elicitation: { form: {} } } : {} });
  if (options.elicit) {
    const handler = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => handler(request.params.message, Object.keys((request.params as any).requestedSchema?.properties ?? {})));
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
  return { client, call, audit };
}

const text = (result: { content?: unknown }) => ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");

describe("guarded calls", () => {
  it("rejects unknown fields and names missing ones", async () => {
    const { call } = await connect({});
    expect(text(await call("fake-read", { node: "a", nodes: ["b"] }))).toMatch(/unknown field 'nodes'/);
    expect(text(await call("fake-read", {}))).toMatch(/field 'node' is required/);
  });

  it("runs a mutation only after an accepted elicitation", async () => {
    const accept = await connect({ elicit: async () => ({ action: "accept", content: { confirm: true } }) });
    const ok = await accept.call("fake-reboot", { node: "n1" });
    expect(ok.isError).toBeFalsy();
    expect(ran).toContain("reboot n1");
    for (const [label, answer] of [
      ["decline", { action: "decline" }],
      ["cancel", { action: "cancel" }],
      ["unchecked", { action: "accept", content: { confirm: false } }],
    ] as const) {
      const session = await connect({ elicit: async () => answer as ElicitResult });
      const refused = await session.call("fake-reboot", { node: `n-${label}` });
      expect(refused.isError, label).toBe(true);
      expect(text(refused)).toMatch(/Not confirmed/);
      expect(ran).not.toContain(`reboot n-${label}`);
    }
  });

  it("treats an unanswered elicitation as a refusal", async () => {
    const session = await connect({ elicit: () => new Promise(() => undefined), consentTimeoutMs: 300 });
    const result = await session.call("fake-reboot", { node: "slow" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/timed out|failed/);
    expect(ran).not.toContain("reboot slow");
  });

  it("asks for the node typed back before a destructive call", async () => {
    const wrong = await connect({ elicit: async () => ({ action: "accept", content: { confirm: true, typed: "n2" } }) });
    expect(text(await wrong.call("fake-reset", { node: "n1" }))).toMatch(/did not match "n1"/);
    expect(ran).not.toContain("reset n1");
    let asked: string[] = [];
    const right = await connect({
      elicit: async (_m, properties) => {
        asked = properties;
        return { action: "accept", content: { confirm: true, typed: "n1" } };
      },
    });
    expect((await right.call("fake-reset", { node: "n1" })).isError).toBeFalsy();
    expect(asked).toEqual(["confirm", "typed"]);
    expect(ran).toContain("reset n1");
  });

  it("without elicitation: plan token, single use, bound to the arguments", async () => {
    const { call } = await connect({});
    const plan = await call("fake-reboot", { node: "p1" });
    expect(plan.isError).toBeFalsy();
    expect(ran).not.toContain("reboot p1");
    const token = (plan.structuredContent as { planToken: string }).planToken;
    expect(text(plan)).toContain(token);
    const tampered = await call("fake-reboot", { node: "p2", planToken: token });
    expect(text(tampered)).toMatch(/differ from the plan/);
    expect(ran).not.toContain("reboot p2");
    const reused = await call("fake-reboot", { node: "p1", planToken: token });
    expect(text(reused)).toMatch(/already used/);
    const fresh = (await call("fake-reboot", { node: "p1" })).structuredContent as { planToken: string };
    expect((await call("fake-reboot", { node: "p1", planToken: fresh.planToken })).isError).toBeFalsy();
    expect(ran).toContain("reboot p1");
  });

  it("denies destructive calls to clients that cannot elicit", async () => {
    const { call } = await connect({});
    const result = await call("fake-reset", { node: "d1" });
    expect(text(result)).toMatch(/cannot ask the user/);
    expect(ran).not.toContain("reset d1");
  });

  it("hides and refuses tools above the ceiling; read-only wins", async () => {
    const reader = await connect({ role: "reader" });
    expect((await reader.client.listTools()).tools.map((t) => t.name)).toEqual(["fake-read"]);
    const refused = await reader.call("fake-reboot", { node: "r1" });
    expect(text(refused)).toMatch(/Denied by rule role-ceiling/);
    const readOnly = await connect({ argv: ["--read-only"] });
    expect((await readOnly.client.listTools()).tools.map((t) => t.name)).toEqual(["fake-read"]);
    expect(text(await readOnly.call("fake-reset", { node: "r2" }))).toMatch(/role-ceiling/);
    expect(ran.filter((entry) => entry.endsWith("r1") || entry.endsWith("r2"))).toEqual([]);
  });

  it("audits allowed, denied and refused calls with rule ids", async () => {
    const session = await connect({ role: "reader" });
    await session.call("fake-read", { node: "x" });
    await session.call("fake-reboot", { node: "x" });
    const entries = session.audit.recent();
    expect(entries.map((e) => [e.tool, e.decision])).toEqual([
      ["fake-read", "allowed"],
      ["fake-reboot", "denied"],
    ]);
    expect(entries[1]!.rules).toContain("role-ceiling");
    expect(entries[0]!.caller).toBe("tester");
    const resource = await session.client.readResource({ uri: "talos://audit/recent" });
    const served = JSON.parse((resource.contents[0] as { text: string }).text) as { tool: string; decision: string }[];
    expect(served.map((e) => [e.tool, e.decision])).toEqual([
      ["fake-read", "allowed"],
      ["fake-reboot", "denied"],
    ]);
  });
});

describe("invariants over the real tool registry", () => {
  it("every registered mutation goes through consent: nothing runs when it is refused or pending", async () => {
    const mutations = ALL_TOOLS.filter((tool) => isMutation(tool.risk));
    expect(mutations.map((t) => t.name)).toEqual(expect.arrayContaining(["apply", "bootstrap", "reset", "upgrade", "reboot", "etcd-restore"]));
    // Keep each tool's identity and risk; replace what needs a live cluster with recorders.
    const probes = mutations.map((spec) => ({
      ...spec,
      input: z.object({}).strict(),
      preflight: undefined,
      plan: async () => ({ summary: spec.name, commands: [], targets: ["n"], impact: [] }),
      run: async () => {
        ran.push(`probe ${spec.name}`);
        return {};
      },
    }));
    for (const [label, session] of [
      ["deny", await connect({ tools: probes, argv: ["--consent", "deny"] })],
      ["plan token pending", await connect({ tools: probes })],
      ["declined", await connect({ tools: probes, elicit: async () => ({ action: "decline" }) })],
    ] as const) {
      for (const spec of probes) {
        await session.call(spec.name, {});
        expect(ran, `${label}: ${spec.name}`).not.toContain(`probe ${spec.name}`);
      }
    }
  });

  it("annotations match the risk of every tool, and nothing is listed above the ceiling", async () => {
    for (const role of ["reader", "operator", "admin"] as const) {
      const { client } = await connect({ tools: ALL_TOOLS, role });
      const { tools } = await client.listTools();
      for (const tool of tools) {
        const spec = ALL_TOOLS.find((s) => s.name === tool.name)!;
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(spec.risk === "read");
        expect(tool.annotations?.destructiveHint, tool.name).toBe(spec.risk === "destructive" || spec.risk === "irreversible");
        if (role === "reader") expect(tool.annotations?.readOnlyHint, `${tool.name} is listed to a reader`).toBe(true);
        if (role === "operator") expect(tool.annotations?.destructiveHint, `${tool.name} is listed to an operator`).toBe(false);
        expect(roleAllows(role, requiredRole(spec)), tool.name).toBe(true);
      }
    }
  });
});
