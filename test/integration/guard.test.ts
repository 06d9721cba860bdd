// The guarded wrapper through a real MCP client (in-memory transport): consent by elicitation
// (accept, decline, cancel, timeout), a person's approval out of band when the client cannot ask
// (the real `talos-mcp approve|reject` command), the agent's own plans only with --consent plan,
// typed confirmation, redaction of what consent shows, role ceiling, read-only, and the
// invariants over the real tool registry.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/server";
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
import { fakeMutations } from "../helpers/fake-tools.js";
import { CLI } from "../helpers/stdio-server.js";
import { fakeBase64PemPrivateKey } from "../fixtures/fake-keys.js";

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
const { reboot: mutateTool, reset: destroyTool } = fakeMutations(ran);
const leakyTool = defineTool({
  name: "fake-leaky",
  title: "Fake leaky",
  description: "a plan whose dry-run diff carries a key",
  toolset: "talos",
  risk: "mutate",
  minRole: "operator",
  openWorld: false,
  rules: [],
  input: z.object({}).strict(),
  plan: async () => ({
    summary: "Apply with token: abcdef.0123456789abcdef",
    commands: [],
    targets: ["n"],
    impact: [],
    preview: `+    key: ${fakeBase64PemPrivateKey()}\n+  token: abcdef.0123456789abcdef`,
  }),
  run: async () => ({}),
});
const fakes = [readTool, mutateTool, destroyTool];

/** The consent verdict a pending call carries for harnesses. */
const meta = (result: { _meta?: Record<string, unknown> }) => result._meta?.["io.github.talos-mcp/verdict"] as { decision: string; planId: string; approvalUrl: string };

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })),
  );
}


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
  const server = factory.create({ transport: "memory", name: "tester", role: options.role ?? "admin" }, "legacy");
  const client = new Client({ name: "t", version: "1" }, { capabilities: options.elicit ? { elicitation: { form: {} } } : {} });
  if (options.elicit) {
    const handler = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => handler(request.params.message, Object.keys((request.params as any).requestedSchema?.properties ?? {})));
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
  return { client, call, audit, dir };
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

  it("without elicitation the default fails closed: the model's own second call never runs the change", async () => {
    const { call, dir } = await connect({});
    const first = await call("fake-reboot", { node: "p1" });
    expect(first.isError).toBe(true);
    const verdict = meta(first);
    expect(verdict).toMatchObject({ decision: "awaiting-approval", planId: expect.stringMatching(/^plan-[a-z2-7]{16}$/), approvalUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/approvals\/plan-/) });
    expect(text(first)).toMatch(/needs a person's approval, and you cannot give it/);
    expect(text(first)).toContain(verdict.approvalUrl);
    expect(text(first)).toContain(`talos-mcp approve ${verdict.planId} --state-dir ${join(dir, "state")}`);
    // What an agent that approves its own plans would do: call again with the id. Nothing runs.
    for (let i = 0; i < 2; i++) {
      const again = await call("fake-reboot", { node: "p1", planId: verdict.planId });
      expect(meta(again)).toMatchObject({ decision: "awaiting-approval", planId: verdict.planId });
    }
    expect(ran).not.toContain("reboot p1");
    // A person approves in a terminal (the real command, another process).
    const cli = await runCli(["approve", verdict.planId, "--state-dir", join(dir, "state")]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("Reboot p1");
    const tampered = await call("fake-reboot", { node: "p2", planId: verdict.planId });
    expect(text(tampered)).toMatch(/differ from plan/);
    expect(ran).not.toContain("reboot p2");
    // Burnt by the tampered call: a fresh plan and a fresh approval are needed.
    expect(text(await call("fake-reboot", { node: "p1", planId: verdict.planId }))).toMatch(/already used/);
    const fresh = meta(await call("fake-reboot", { node: "p1" }));
    expect((await runCli(["approve", fresh.planId, "--state-dir", join(dir, "state")])).code).toBe(0);
    expect((await call("fake-reboot", { node: "p1", planId: fresh.planId })).isError).toBeFalsy();
    expect(ran.filter((entry) => entry === "reboot p1")).toHaveLength(1);
    expect(text(await call("fake-reboot", { node: "p1", planId: fresh.planId }))).toMatch(/already used/);
    expect(ran.filter((entry) => entry === "reboot p1")).toHaveLength(1);
  });

  it("a rejected plan never runs", async () => {
    const { call, dir } = await connect({});
    const { planId } = meta(await call("fake-reboot", { node: "rj" }));
    expect((await runCli(["reject", planId, "--state-dir", join(dir, "state")])).code).toBe(0);
    expect(text(await call("fake-reboot", { node: "rj", planId }))).toMatch(/rejected plan/);
    expect(ran).not.toContain("reboot rj");
  });

  it("destructive changes without elicitation: a person approves with the target typed back", async () => {
    const { call, dir } = await connect({});
    const first = await call("fake-reset", { node: "d1" });
    const { planId } = meta(first);
    expect(text(first)).toMatch(/Type d1 to confirm/);
    expect((await runCli(["approve", planId, "--state-dir", join(dir, "state")])).stderr).toMatch(/--confirm d1/);
    expect((await runCli(["approve", planId, "--state-dir", join(dir, "state"), "--confirm", "d1"])).code).toBe(0);
    expect((await call("fake-reset", { node: "d1", planId })).isError).toBeFalsy();
    expect(ran).toContain("reset d1");
  });

  it("--consent plan: the agent approves its own plans, single use, bound to the arguments", async () => {
    const { call } = await connect({ argv: ["--consent", "plan"] });
    const plan = await call("fake-reboot", { node: "q1" });
    expect(ran).not.toContain("reboot q1");
    const { planId, decision } = meta(plan);
    expect(decision).toBe("awaiting-own-approval");
    expect(text(plan)).toMatch(/the agent approves its own plans/);
    expect(text(await call("fake-reboot", { node: "q2", planId }))).toMatch(/differ from plan/);
    expect(ran).not.toContain("reboot q2");
    expect(text(await call("fake-reboot", { node: "q1", planId }))).toMatch(/already used/);
    const fresh = meta(await call("fake-reboot", { node: "q1" }));
    expect((await call("fake-reboot", { node: "q1", planId: fresh.planId })).isError).toBeFalsy();
    expect(ran).toContain("reboot q1");
    // Destructive plans are not the agent's to approve unless the operator said so.
    expect(text(await call("fake-reset", { node: "q3" }))).toMatch(/approves its own plans/);
    expect(ran).not.toContain("reset q3");
  });

  it("the elicitation message and the stored plan are redacted like every other output", async () => {
    let message = "";
    const { call } = await connect({ tools: [leakyTool], elicit: async (m) => ((message = m), { action: "decline" }) });
    await call("fake-leaky", {});
    expect(message).toContain("Preview:");
    expect(message).not.toMatch(/LS0tLS1CRUdJTi|abcdef\.0123456789abcdef/);
    const quiet = await connect({ tools: [leakyTool] });
    const pending = await quiet.call("fake-leaky", {});
    expect(text(pending)).not.toMatch(/LS0tLS1CRUdJTi|abcdef\.0123456789abcdef/);
    const stored = readFileSync(join(quiet.dir, "state", "approvals", `${meta(pending).planId}.plan.json`), "utf8");
    expect(stored).toContain("[REDACTED");
    expect(stored).not.toMatch(/LS0tLS1CRUdJTi|abcdef\.0123456789abcdef/);
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
    // Each line names its tools/call request, so a trace can join it to the client's transcript.
    const ids = entries.map((e) => e.requestId);
    expect(ids.every((id) => typeof id === "number")).toBe(true);
    expect(new Set(ids).size).toBe(2);
    const resource = await session.client.readResource({ uri: "talos://audit/recent" });
    const served = JSON.parse((resource.contents[0] as { text: string }).text) as { tool: string; decision: string }[];
    expect(served.map((e) => [e.tool, e.decision])).toEqual([
      ["fake-read", "allowed"],
      ["fake-reboot", "denied"],
    ]);
  });
});

const allowDestructive = (() => {
  const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-guard-cfg-")), "config.yaml");
  writeFileSync(file, "allowUnconfirmedDestructive: true\n");
  return file;
})();

describe("invariants over the real tool registry", () => {
  it("every registered mutation goes through consent: nothing runs when it is refused or pending", async () => {
    const mutations = ALL_TOOLS.filter((tool) => isMutation(tool.risk));
    expect(mutations.map((t) => t.name)).toEqual(expect.arrayContaining(["apply", "bootstrap", "reset", "upgrade", "reboot", "etcd-restore"]));
    // Keep each tool's identity and risk; replace what needs a live cluster with recorders.
    const probes = mutations.map((spec) => ({
      ...spec,
      input: z.object({}).strict(),
      preflight: undefined,
      plan: async () => ({ summary: spec.name, commands: [], targets: ["n"], impact: [], ...(spec.risk === "mutate" ? {} : { typedConfirmation: "n" }) }),
      run: async () => {
        ran.push(`probe ${spec.name}`);
        return {};
      },
    }));
    for (const [label, session] of [
      ["deny", await connect({ tools: probes, argv: ["--consent", "deny"] })],
      ["awaiting a person", await connect({ tools: probes })],
      ["awaiting a person (approve mode, client can elicit)", await connect({ tools: probes, argv: ["--consent", "approve"], elicit: async () => ({ action: "accept", content: { confirm: true, typed: "n" } }) })],
      ["own plan pending", await connect({ tools: probes, argv: ["--consent", "plan", "--config", allowDestructive] })],
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
        // The other two hints are left out where the MCP default says the same: read them so.
        expect(tool.annotations?.openWorldHint ?? true, tool.name).toBe(spec.openWorld);
        if (spec.risk !== "read") expect(tool.annotations?.idempotentHint ?? false, tool.name).toBe(spec.idempotent ?? false);
        if (role === "reader") expect(tool.annotations?.readOnlyHint, `${tool.name} is listed to a reader`).toBe(true);
        if (role === "operator") expect(tool.annotations?.destructiveHint, `${tool.name} is listed to an operator`).toBe(false);
        expect(roleAllows(role, requiredRole(spec)), tool.name).toBe(true);
      }
    }
  });
});
