// One HTTP server, three kinds of real clients in the same run: the SDK 1.x client (MCP 2025-11-25)
// over Streamable HTTP and over legacy SSE, and the SDK v2 client pinned to MCP 2026-07-28
// (stateless requests, consent through InputRequiredResult). Each must get the same tools,
// validation, errors, progress, cancellation, resources, and the same consent: a form the user
// fills in, a refusal, the typed confirmation, the approval page through URL elicitation, and the
// out-of-band plan when the client cannot ask.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog, type AuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags } from "../../src/config.js";
import { decidePlan } from "../../src/server/approvals.js";
import { FileApprovalStore } from "../../src/server/approval-store.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { connectClient, textOf, type ClientKind, type User } from "../helpers/clients.js";
import { fakeMutations, waitingTool } from "../helpers/fake-tools.js";
import { writeTokensFile } from "../helpers/tokens.js";
import { eventually } from "../helpers/wait.js";

const TOKENS = { alice: "tmcp_alice_token_value_0001", bob: "tmcp_bob_reader_token_0002" };
const ran: string[] = [];
const { reboot, reset } = fakeMutations(ran);
const { tool: slow, stats } = waitingTool();
const tools = [slow, reboot, reset];

let handle: HttpHandle;
let store: FileApprovalStore;
let audit: AuditLog;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-eras-"));
  const tokensFile = writeTokensFile(dir, { alice: { token: TOKENS.alice, role: "admin" }, bob: { token: TOKENS.bob, role: "reader" } });
  const stateDir = join(dir, "state");
  const base = buildConfig({
    flags: parseServeFlags(["--transport", "http", "--consent", "elicit", "--port", "0", "--tokens", tokensFile, "--workspace", join(dir, "ws"), "--state-dir", stateDir]),
    env: {},
    cwd: dir,
    knownTools: ALL_TOOLS.map((t) => t.name),
  });
  const config = Object.freeze({ ...base, consentTimeoutMs: 10_000, http: { ...base.http, rateLimitPerMinute: 10_000 } });
  audit = createAuditLog({});
  store = new FileApprovalStore(join(stateDir, "approvals"));
  handle = await startHttpServer(config, createSessionServerFactory(config, { tools, audit }), pino({ level: "silent" }));
});
afterAll(async () => handle?.close());

const connect = (kind: ClientKind, user: User = {}, token = TOKENS.alice) => connectClient(kind, { url: handle.url, token }, user);
const typedFrom = (message: string) => /Type (\S+) to confirm/.exec(message)?.[1];
const acceptForm: User = { form: (message, fields) => ({ action: "accept", content: { confirm: true, ...(fields.includes("typed") ? { typed: typedFrom(message) } : {}) } }) };
const lastAudit = (tool: string) => audit.recent(200).filter((entry) => entry.tool === tool).at(-1);

describe.each(["2025-11-25 /mcp", "2025-11-25 /sse", "2026-07-28 /mcp"] as ClientKind[])("%s", (kind) => {
  it("negotiates its revision and lists the caller's tools", async () => {
    const client = await connect(kind);
    if (kind.startsWith("2026")) expect(client.protocolVersion()).toBe("2026-07-28");
    expect((await client.listTools()).map((t) => t.name).sort()).toEqual(["fake-reboot", "fake-reset", "fake-slow"]);
    const reader = await connect(kind, {}, TOKENS.bob);
    expect((await reader.listTools()).map((t) => t.name)).toEqual(["fake-slow"]);
    await Promise.all([client.close(), reader.close()]);
  });

  it("runs a read tool with progress; invalid input names the field; an unknown tool is -32602", async () => {
    const client = await connect(kind);
    const progress: number[] = [];
    // The tool waits half a second after its progress notification: the SDK 1.x client handles a
    // notification in a microtask but a response at once, so when both frames arrive in one read
    // (seen on /sse) it has dropped the progress handler before the notification reaches it.
    const done = await client.callTool("fake-slow", { seconds: 0.5 }, { onprogress: (value) => progress.push(value) });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(done.structuredContent).toEqual({ done: true });
    // The last notification may arrive after the result in SDK clients: at least one, increasing.
    await eventually(async () => expect(progress.length).toBeGreaterThanOrEqual(1));
    const invalid = await client.callTool("fake-slow", { seconds: "soon" });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/Invalid input for fake-slow: .*seconds/);
    await expect(client.callTool("no-such-tool", {})).rejects.toMatchObject({ code: -32602 });
    await client.close();
  });

  it("a cancelled call stops on the server", async () => {
    const client = await connect(kind);
    const before = stats.cancelled;
    const controller = new AbortController();
    const call = client.callTool("fake-slow", { seconds: 60 }, { signal: controller.signal }).catch((error: Error) => error);
    await eventually(async () => expect(stats.inFlight).toBeGreaterThan(0));
    controller.abort();
    await call;
    await eventually(async () => expect(stats.cancelled).toBe(before + 1));
    await client.close();
  });

  it("consent by form: accepted runs once, declined and a wrong typed value run nothing", async () => {
    const node = `n-${kind.replace(/\W/g, "")}`;
    const yes = await connect(kind, acceptForm);
    const done = await yes.callTool("fake-reboot", { node });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(ran.filter((entry) => entry === `reboot ${node}`)).toHaveLength(1);
    expect(lastAudit("fake-reboot")).toMatchObject({ decision: "allowed", caller: "alice" });
    // 2026-07-28 asks through InputRequiredResult (a round of its own in the audit); 2025 within the call.
    const asked = audit.recent(200).filter((entry) => entry.tool === "fake-reboot" && (entry.args as { node?: string }).node === node && /input required/.test(entry.message ?? ""));
    expect(asked.length > 0).toBe(kind.startsWith("2026"));

    const no = await connect(kind, { form: () => ({ action: "decline" }) });
    const declined = await no.callTool("fake-reboot", { node: `${node}-declined` });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(/Not confirmed: the user chose decline/);

    const wrong = await connect(kind, { form: () => ({ action: "accept", content: { confirm: true, typed: "someone-else" } }) });
    const mistyped = await wrong.callTool("fake-reset", { node });
    expect(textOf(mistyped)).toMatch(/typed confirmation did not match "n-/);
    const right = await yes.callTool("fake-reset", { node });
    expect(right.isError, textOf(right)).toBeFalsy();
    expect(ran).not.toContain(`reboot ${node}-declined`);
    expect(ran.filter((entry) => entry === `reset ${node}`)).toHaveLength(1);
    await Promise.all([yes.close(), no.close(), wrong.close()]);
  });

  it("consent by URL: the user is sent to the approval page; a person's approval there lets the call run", async () => {
    const node = `u-${kind.replace(/\W/g, "")}`;
    const opened: string[] = [];
    const client = await connect(kind, {
      url: async (url) => {
        opened.push(url);
        const planId = /plan-[a-z2-7]{16}/.exec(url)![0];
        const decided = await decidePlan(store, planId, { approve: true, by: "terminal (carol)", via: "terminal" }, Date.now());
        expect(decided.ok).toBe(true);
        return "accept";
      },
    });
    const done = await client.callTool("fake-reboot", { node });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/\/approvals?\//);
    expect(lastAudit("fake-reboot")?.message).toMatch(/consent: person by terminal \(carol\) plan-/);
    const refused = await connect(kind, { url: async () => "decline" });
    expect(textOf(await refused.callTool("fake-reboot", { node: `${node}-no` }))).toMatch(/instead of opening the approval page/);
    expect(ran).not.toContain(`reboot ${node}-no`);
    await Promise.all([client.close(), refused.close()]);
  });

  it("a client that cannot ask gets the plan and the approval link; nothing runs", async () => {
    const client = await connect(kind);
    const node = `p-${kind.replace(/\W/g, "")}`;
    const pending = await client.callTool("fake-reboot", { node });
    expect(pending.isError).toBe(true);
    expect(pending._meta?.["io.github.talos-mcp/verdict"]).toMatchObject({ decision: "awaiting-approval", planId: expect.stringMatching(/^plan-/), approvalUrl: expect.any(String) });
    expect(ran).not.toContain(`reboot ${node}`);
    await client.close();
  });

  it("reads resources; an unknown one is -32602 naming the URI", async () => {
    const client = await connect(kind);
    const rule = await client.readResource("talos://rules/destructive-explicit");
    expect(JSON.parse(rule.contents[0]!.text!)).toMatchObject({ id: "destructive-explicit" });
    await expect(client.readResource("talos://rules/no-such-rule")).rejects.toMatchObject({ code: -32602 });
    expect(await client.complete({ type: "ref/resource", uri: "talos://rules/{id}" }, { name: "id", value: "destructive" })).toContain("destructive-explicit");
    await client.close();
  });
});
