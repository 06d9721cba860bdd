// The approval page in a real headless Chromium: a person approves or rejects a pending plan that
// a client without form elicitation got back (stdio: the loopback page; HTTP: the server's route
// behind its tokens), and what must not work does not: an expired plan, a replayed decision, a
// wrong secret, a decision posted from another origin, a caller approving its own plan.
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/audit.js";
import { buildConfig, parseServeFlags, type Config } from "../../src/config.js";
import { createSessionServerFactory } from "../../src/server/create-server.js";
import { startHttpServer, type HttpHandle } from "../../src/transports/http.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { launchBrowser } from "../helpers/browser.js";
import { connectClient, textOf } from "../helpers/clients.js";
import { fakeMutations } from "../helpers/fake-tools.js";
import { configFor, session, silent, text } from "../helpers/session.js";
import { writeTokensFile } from "../helpers/tokens.js";

const ran: string[] = [];
const { reboot, reset } = fakeMutations(ran);
const tools = [reboot, reset];

type Verdict = { decision: string; planId: string; approvalUrl: string };
const verdict = (result: { _meta?: Record<string, unknown> }) => result._meta?.["io.github.talos-mcp/verdict"] as Verdict;

let browser: Awaited<ReturnType<typeof launchBrowser>>;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

async function stdioSession(extra: Partial<Config> = {}) {
  const config = Object.freeze({ ...configFor(mkdtempSync(join(tmpdir(), "talos-mcp-browser-"))), ...extra });
  return session(config, { tools });
}

/** A page in the browser at the plan's approval URL. */
async function open(url: string): Promise<{ page: Page; status: number }> {
  const page = await browser.context.newPage();
  const response = await page.goto(url);
  return { page, status: response!.status() };
}

const status = (page: Page) => page.locator("#status").innerText();

describe("the approval page over stdio (loopback, opened on first use)", () => {
  it("a person approves: the page shows the plan, and the next call with the plan id runs once", async () => {
    const { call } = await stdioSession();
    const pending = await call("fake-reboot", { node: "n1" });
    const { approvalUrl, planId } = verdict(pending);
    expect(approvalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/approvals\/plan-[a-z2-7]{16}\/[0-9a-f]{48}$/);
    const { page, status: code } = await open(approvalUrl);
    expect(code).toBe(200);
    expect(await page.locator("#summary").innerText()).toBe("Reboot n1");
    expect(await page.locator("#commands").innerText()).toBe("talosctl reboot --nodes n1");
    // Escaped, never interpreted: the preview's markup stays text.
    expect(await page.locator("#preview").innerText()).toBe("reboot <b>n1</b>");
    expect(await page.locator("body").innerText()).toContain(planId);
    expect((await call("fake-reboot", { node: "n1", planId })).isError).toBe(true);
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await page.locator("h1").innerText()).toBe("Approved");
    expect(await status(page)).toMatch(new RegExp(`Plan ${planId} was approved by a person at the approval page`));
    const done = await call("fake-reboot", { node: "n1", planId });
    expect(done.isError, text(done)).toBeFalsy();
    expect(ran.filter((entry) => entry === "reboot n1")).toHaveLength(1);
    await page.close();
  });

  it("a person rejects: the next call with the plan id is refused", async () => {
    const { call } = await stdioSession();
    const { approvalUrl, planId } = verdict(await call("fake-reboot", { node: "n2" }));
    const { page } = await open(approvalUrl);
    await page.getByRole("button", { name: "Reject" }).click();
    expect(await page.locator("h1").innerText()).toBe("Rejected");
    expect(text(await call("fake-reboot", { node: "n2", planId }))).toMatch(/rejected plan/);
    expect(ran).not.toContain("reboot n2");
    await page.close();
  });

  it("a destructive plan is approved only with the target typed back", async () => {
    const { call } = await stdioSession();
    const { approvalUrl, planId } = verdict(await call("fake-reset", { node: "cp-1" }));
    const { page } = await open(approvalUrl);
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await status(page)).toMatch(/type "cp-1" exactly to approve it/);
    await page.locator("#typed").fill("cp-2");
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await status(page)).toMatch(/type "cp-1" exactly/);
    await page.locator("#typed").fill("cp-1");
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await page.locator("h1").innerText()).toBe("Approved");
    expect((await call("fake-reset", { node: "cp-1", planId })).isError).toBeFalsy();
    expect(ran).toContain("reset cp-1");
    await page.close();
  });

  it("an expired plan shows no form, and a form loaded before expiry decides nothing after it", async () => {
    const { call } = await stdioSession({ planTtlMs: 1_500 });
    const early = verdict(await call("fake-reboot", { node: "n3" }));
    const late = verdict(await call("fake-reboot", { node: "n4" }));
    const { page: loaded } = await open(early.approvalUrl);
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    const { page, status: code } = await open(late.approvalUrl);
    expect(code).toBe(410);
    expect(await status(page)).toMatch(/it expired at/);
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    await loaded.getByRole("button", { name: "Approve" }).click();
    expect(await status(loaded)).toMatch(/cannot be decided: it expired/);
    expect(text(await call("fake-reboot", { node: "n3", planId: early.planId }))).toMatch(/expired/);
    expect(ran).not.toContain("reboot n3");
    await page.close();
    await loaded.close();
  });

  it("a replayed decision is refused: the first one stands", async () => {
    const { call } = await stdioSession();
    const { approvalUrl, planId } = verdict(await call("fake-reboot", { node: "n5" }));
    const { page } = await open(approvalUrl);
    const form = Object.fromEntries(await page.locator("form input[type=hidden]").evaluateAll((inputs) => inputs.map((i) => [(i as HTMLInputElement).name, (i as HTMLInputElement).value])));
    const action = new URL(approvalUrl).origin + (await page.locator("form").getAttribute("action"));
    await page.getByRole("button", { name: "Reject" }).click();
    expect(await page.locator("h1").innerText()).toBe("Rejected");
    // The same POST again, from the same browser (its cookies, its Origin), now asking to approve.
    const replay = await page.request.post(action, { form: { ...form, decision: "approve" }, headers: { origin: new URL(approvalUrl).origin } });
    expect(replay.status()).toBe(409);
    expect(await replay.text()).toMatch(/already rejected/);
    expect(text(await call("fake-reboot", { node: "n5", planId }))).toMatch(/rejected plan/);
    await page.close();
  });

  it("a wrong secret finds nothing, whether in the link or in the form", async () => {
    const { call } = await stdioSession();
    const { approvalUrl, planId } = verdict(await call("fake-reboot", { node: "n6" }));
    const wrong = approvalUrl.replace(/[0-9a-f]{48}$/, "0".repeat(48));
    const { page, status: code } = await open(wrong);
    expect(code).toBe(404);
    expect(await status(page)).toMatch(/no such plan, or the link's secret is wrong/);
    const { page: real } = await open(approvalUrl);
    await real.locator("input[name=secret]").evaluate((input) => ((input as HTMLInputElement).value = "f".repeat(48)));
    await real.getByRole("button", { name: "Approve" }).click();
    expect(await status(real)).toMatch(/no such plan, or the link's secret is wrong/);
    expect(verdict(await call("fake-reboot", { node: "n6", planId })).decision).toBe("awaiting-approval");
    await page.close();
    await real.close();
  });

  it("a decision posted from another origin is refused, even with the right secret; so is one without the page's CSRF cookie", async () => {
    const { call } = await stdioSession();
    const { approvalUrl, planId } = verdict(await call("fake-reboot", { node: "n7" }));
    const secret = approvalUrl.split("/").pop()!;
    const target = `${new URL(approvalUrl).origin}/approvals/${planId}`;
    const attacker = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<form id="f" method="post" action="${target}"><input name="secret" value="${secret}"><input name="decision" value="approve"><input name="csrf" value="x.y"></form><script>document.getElementById("f").submit()</script>`);
    });
    try {
      const page = await browser.context.newPage();
      const response = page.waitForResponse((r) => r.url() === target);
      await page.goto(attacker.url);
      expect((await response).status()).toBe(403);
      expect(await status(page)).toMatch(/cross-origin request refused/);
      // Same origin, but a form that did not come from the page (no CSRF cookie of its own).
      const forged = await page.request.post(target, { form: { secret, decision: "approve", csrf: "x.y" }, headers: { origin: new URL(approvalUrl).origin } });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toMatch(/CSRF check failed/);
      expect(verdict(await call("fake-reboot", { node: "n7", planId })).decision).toBe("awaiting-approval");
      expect(ran).not.toContain("reboot n7");
      await page.close();
    } finally {
      attacker.server.close();
    }
  });

  it("URL elicitation: the client sends the person to the page; the call runs when they approve, and the client hears it completed", async () => {
    const config = Object.freeze({ ...configFor(mkdtempSync(join(tmpdir(), "talos-mcp-browser-"))) });
    let elicitationId = "";
    const { call, completed } = await session(config, {
      tools,
      elicitUrl: async (url, id) => {
        elicitationId = id;
        // The person follows the link a moment after the client showed it.
        setTimeout(async () => {
          const { page } = await open(url);
          await page.getByRole("button", { name: "Approve" }).click();
          await page.close();
        }, 100);
        return "accept";
      },
    });
    const result = await call("fake-reboot", { node: "n8" });
    expect(result.isError, text(result)).toBeFalsy();
    expect(ran).toContain("reboot n8");
    expect(completed).toEqual([elicitationId]);
  });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createServer(handler).listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}/` });
    });
  });
}

describe("the approval page over HTTP (a route of the server, behind its tokens)", () => {
  const TOKENS = { agent: "tmcp_agent_token_0123456789abcdefghij", alice: "tmcp_alice_token_0123456789abcdefghij", viewer: "tmcp_viewer_token_0123456789abcdefghi" };
  let handle: HttpHandle;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-browser-http-"));
    const tokensFile = writeTokensFile(dir, { agent: { token: TOKENS.agent, role: "admin" }, alice: { token: TOKENS.alice, role: "admin" }, viewer: { token: TOKENS.viewer, role: "reader" } });
    const config = buildConfig({
      flags: parseServeFlags(["--transport", "http", "--port", "0", "--tokens", tokensFile, "--workspace", join(dir, "ws"), "--state-dir", join(dir, "st")]),
      env: {},
      cwd: dir,
      knownTools: ALL_TOOLS.map((t) => t.name),
    });
    handle = await startHttpServer(config, createSessionServerFactory(config, { tools, audit: createAuditLog({}) }), silent);
  });
  afterAll(async () => handle?.close());

  async function agentCall(name: string, args: Record<string, unknown>) {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    const client = new Client({ name: "agent", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${handle.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${TOKENS.agent}` } } }));
    try {
      return await client.callTool({ name, arguments: args });
    } finally {
      await client.close();
    }
  }

  it("by default over HTTP a person approves; the caller's own token cannot, nor a token below the tool's role", async () => {
    const { approvalUrl, planId, decision } = verdict(await agentCall("fake-reboot", { node: "h1" }));
    expect(decision).toBe("awaiting-approval");
    expect(approvalUrl.startsWith(`${handle.url}/approvals/${planId}/`)).toBe(true);
    const anonymous = await fetch(approvalUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm="talos-mcp approvals"/);
    // A person signs in with a token of theirs (HTTP Basic, the token as the password).
    const signedIn = async (user: string, token: string) => {
      const page = await browser.context.newPage();
      await page.setExtraHTTPHeaders({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}` });
      return page;
    };
    for (const [token, code, reason] of [
      [TOKENS.agent, 403, /asked for this change, so it cannot approve it/],
      [TOKENS.viewer, 403, /needs role operator; the token viewer has role reader/],
    ] as const) {
      const page = await signedIn("me", token);
      expect((await page.goto(approvalUrl))!.status()).toBe(code);
      expect(await status(page)).toMatch(reason);
      await page.close();
    }
    expect(ran).not.toContain("reboot h1");
    const page = await signedIn("alice", TOKENS.alice);
    expect((await page.goto(approvalUrl))!.status()).toBe(200);
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await status(page)).toMatch(/approved by token alice/);
    await page.close();
    const done = await agentCall("fake-reboot", { node: "h1", planId });
    expect(done.isError, text(done)).toBeFalsy();
    expect(ran).toContain("reboot h1");
  });

  it("an MCP 2026-07-28 client with URL elicitation gets the page as an input request; a person approves it there; the answering call runs", async () => {
    let opened = "";
    const client = await connectClient("2026-07-28 /mcp", { url: handle.url, token: TOKENS.agent }, {
      url: async (url) => {
        opened = url;
        const page = await browser.context.newPage();
        await page.setExtraHTTPHeaders({ authorization: `Basic ${Buffer.from(`alice:${TOKENS.alice}`).toString("base64")}` });
        expect((await page.goto(url))!.status()).toBe(200);
        expect(await page.locator("#summary").innerText()).toBe("Reboot h2");
        await page.getByRole("button", { name: "Approve" }).click();
        expect(await status(page)).toMatch(/approved by token alice/);
        await page.close();
        return "accept";
      },
    });
    try {
      const done = await client.callTool("fake-reboot", { node: "h2" });
      expect(done.isError, textOf(done)).toBeFalsy();
      expect(opened.startsWith(`${handle.url}/approvals/plan-`)).toBe(true);
      expect(ran.filter((entry) => entry === "reboot h2")).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
