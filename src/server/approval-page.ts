// The approval page: where a person reviews a pending plan (summary, targets, commands, impact,
// the files it is bound to, the dry-run preview) and approves or rejects it. Served on a loopback
// port for stdio and as a route of the HTTP server, by this one handler. What protects it:
//   - a one-time secret per plan in the URL (wrong or missing: 404, as for an unknown plan);
//   - the transport's authorisation hook (HTTP: a bearer token, not the caller's own);
//   - decisions by POST only, from this page: the Origin must be the page's own, and a CSRF token
//     bound to the plan (HMAC with a per-process key) must arrive both in a form field and in a
//     SameSite=Strict, HttpOnly cookie set with the page;
//   - the first decision wins; expired, decided and used plans show their state and no form;
//   - no scripts, no framing, no referrer to other sites, no caching; every value is HTML-escaped and was
//     redacted before it was stored.
import { nodeCrypto } from "../lazy-crypto.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { closedReason, decidePlan, secretMatches } from "./approvals.js";
import { isPlanId, type ApprovalStore, type PlanRecord } from "./approval-store.js";

export type Authorization = { ok: true; approver: string } | { ok: false; status: number; message: string; headers?: Record<string, string> };

export interface PageRequestContext {
  /** Origins the page is served from (scheme://host:port); a decision must come from one of them. */
  ownOrigins: readonly string[];
  /** Who is deciding, or why this request may not see or decide the plan. */
  authorize(req: IncomingMessage, record: PlanRecord): Authorization;
}

export const APPROVAL_PATH = "/approvals/";
const FORM_LIMIT = 16 * 1024;
const PREVIEW_LIMIT = 200_000;
const CSRF_COOKIE = "talos_mcp_csrf";

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the form POST.
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>${escapeHtml(title)} — talos-mcp</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
pre{background:#f4f4f4;padding:.75rem;overflow:auto;max-height:30rem}
.destructive{border-left:.4rem solid #b00020;padding-left:.75rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:1rem}
table{border-collapse:collapse}td{padding:.15rem .75rem .15rem 0;font-family:monospace}
</style></head><body>
${body}
</body></html>`;
}

function planSections(record: PlanRecord): string {
  const { plan } = record;
  const list = (items: string[]) => (items.length ? `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>` : "<p>(none)</p>");
  const files = Object.entries(record.files);
  const preview = plan.preview && plan.preview.length > PREVIEW_LIMIT ? `${plan.preview.slice(0, PREVIEW_LIMIT)}\n… (preview truncated)` : plan.preview;
  return [
    `<p>${escapeHtml(record.caller)} asked to run <strong>${escapeHtml(record.tool)}</strong>. Plan <code>${escapeHtml(record.id)}</code>, expires ${escapeHtml(record.expiresAt)}.</p>`,
    `<h2 id="summary"${plan.destructive ? ' class="destructive"' : ""}>${escapeHtml(plan.summary)}</h2>`,
    `<h3>Targets</h3>${list(plan.targets)}`,
    `<h3>Commands</h3><pre id="commands">${escapeHtml(plan.commands.map((argv) => argv.join(" ")).join("\n") || "(none)")}</pre>`,
    `<h3>Impact</h3>${list(plan.impact)}`,
    files.length ? `<h3>Files this plan is bound to</h3><table>${files.map(([path, digest]) => `<tr><td>${escapeHtml(path)}</td><td>${escapeHtml(digest)}</td></tr>`).join("")}</table>` : "",
    preview ? `<h3>Preview (dry run)</h3><pre id="preview">${escapeHtml(preview)}</pre>` : "",
  ].join("\n");
}

function decisionForm(record: PlanRecord, secret: string, csrf: string): string {
  const typed = record.plan.typedConfirmation;
  return `<form method="post" action="${APPROVAL_PATH}${escapeHtml(record.id)}">
<input type="hidden" name="secret" value="${escapeHtml(secret)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
${typed !== undefined ? `<p class="destructive">This cannot be undone. <label for="typed">Type <code>${escapeHtml(typed)}</code> to confirm:</label> <input id="typed" name="typed" autocomplete="off" spellcheck="false"></p>` : ""}
<p><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="reject">Reject</button></p>
</form>`;
}

function stateLine(reason: string): string {
  return `<p id="status"><strong>This plan cannot be decided any more:</strong> ${escapeHtml(reason)}.</p>`;
}

function send(res: ServerResponse, status: number, title: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, ...headers });
  res.end(document(title, body));
}

const notFound = (res: ServerResponse) => send(res, 404, "Unknown plan", `<h1>Unknown plan</h1><p id="status">There is no such plan, or the link's secret is wrong.</p>`);

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export class ApprovalPage {
  /** Signs CSRF tokens; a token is bound to one plan and to this process. Drawn when the first token is. */
  private csrfKeyBytes?: Buffer;

  constructor(
    private readonly store: ApprovalStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * GET /approvals/<plan id>/<secret> shows a plan; POST /approvals/<plan id> decides it (the
   * secret travels in the form). Anything else is 404 or 405.
   */
  async handle(req: IncomingMessage, res: ServerResponse, ctx: PageRequestContext): Promise<void> {
    const { pathname } = new URL(req.url ?? "/", "http://page.invalid");
    if (!pathname.startsWith(APPROVAL_PATH)) return notFound(res);
    const [id, secret, ...rest] = pathname.slice(APPROVAL_PATH.length).split("/");
    if (!isPlanId(id) || rest.length > 0) return notFound(res);
    if (req.method === "GET" && secret !== undefined) return this.show(req, res, ctx, id, secret);
    if (req.method === "POST" && secret === undefined) return this.decide(req, res, ctx, id);
    if (req.method === "GET" || req.method === "POST") return notFound(res);
    send(res, 405, "Method not allowed", "<h1>Method not allowed</h1>", { allow: "GET, POST" });
  }

  private async show(req: IncomingMessage, res: ServerResponse, ctx: PageRequestContext, id: string, secret: string): Promise<void> {
    const state = await this.store.get(id);
    if (!state || !secretMatches(state.record, secret)) return notFound(res);
    const auth = ctx.authorize(req, state.record);
    if (!auth.ok) return send(res, auth.status, "Not allowed", `<h1>Not allowed</h1><p id="status">${escapeHtml(auth.message)}</p>`, auth.headers);
    const closed = closedReason(state, this.now());
    const title = `Approve ${state.record.tool}?`;
    if (closed) return send(res, closed.includes("expired") ? 410 : 200, title, `<h1>${escapeHtml(title)}</h1>\n${stateLine(closed)}\n${planSections(state.record)}`);
    const csrf = this.csrfToken(id);
    const secure = ctx.ownOrigins.every((origin) => origin.startsWith("https:")) ? "; Secure" : "";
    send(res, 200, title, `<h1>${escapeHtml(title)}</h1>\n${planSections(state.record)}\n${decisionForm(state.record, secret, csrf)}`, {
      "set-cookie": `${CSRF_COOKIE}=${csrf}; Path=${APPROVAL_PATH}${id}; HttpOnly; SameSite=Strict${secure}`,
    });
  }

  private async decide(req: IncomingMessage, res: ServerResponse, ctx: PageRequestContext, id: string): Promise<void> {
    const forbidden = (message: string) => send(res, 403, "Refused", `<h1>Refused</h1><p id="status">${escapeHtml(message)} Nothing was decided.</p>`);
    const origin = req.headers.origin;
    if (!origin || !ctx.ownOrigins.includes(origin)) return forbidden("A decision must be sent from the approval page itself (cross-origin request refused).");
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin") return forbidden("A decision must be sent from the approval page itself (cross-site request refused).");
    const form = await readForm(req);
    if (!form) return send(res, 400, "Bad request", `<h1>Bad request</h1><p id="status">Expected the approval form.</p>`);
    const state = await this.store.get(id);
    if (!state || !secretMatches(state.record, form.get("secret"))) return notFound(res);
    const auth = ctx.authorize(req, state.record);
    if (!auth.ok) return send(res, auth.status, "Not allowed", `<h1>Not allowed</h1><p id="status">${escapeHtml(auth.message)}</p>`, auth.headers);
    const csrf = form.get("csrf") ?? "";
    if (!this.csrfValid(id, csrf) || cookieValue(req, CSRF_COOKIE) !== csrf) return forbidden("The form did not come from this plan's approval page (CSRF check failed). Reload the page and try again.");
    const choice = form.get("decision");
    if (choice !== "approve" && choice !== "reject") return send(res, 400, "Bad request", `<h1>Bad request</h1><p id="status">Choose Approve or Reject.</p>`);
    const typed = form.get("typed") ?? undefined;
    const result = await decidePlan(this.store, id, { approve: choice === "approve", typed, by: auth.approver, via: "page" }, this.now());
    const title = `${state.record.tool}: ${state.record.plan.summary}`;
    if (!result.ok) {
      const stillOpen = !closedReason((await this.store.get(id)) ?? state, this.now());
      const retry = stillOpen ? `\n${decisionForm(state.record, form.get("secret")!, csrf)}` : "";
      return send(res, stillOpen ? 422 : 409, title, `<h1>Not recorded</h1><p id="status">${escapeHtml(result.reason)}.</p>${retry}\n${planSections(state.record)}`);
    }
    const next =
      result.decision.decision === "approved"
        ? `Go back to your agent: it can now call ${state.record.tool} again with planId ${state.record.id}.`
        : "Nothing will run. The agent is told so when it calls again.";
    send(res, 200, title, `<h1>${result.decision.decision === "approved" ? "Approved" : "Rejected"}</h1><p id="status">${escapeHtml(`Plan ${id} was ${result.decision.decision} by ${result.decision.by} at ${result.decision.at}.`)} ${escapeHtml(next)}</p>\n${planSections(state.record)}`);
  }

  private csrfToken(id: string): string {
    const nonce = nodeCrypto().randomBytes(18).toString("base64url");
    return `${nonce}.${this.sign(id, nonce)}`;
  }

  private csrfValid(id: string, token: string): boolean {
    const [nonce, mac] = token.split(".");
    if (!nonce || !mac) return false;
    const expected = Buffer.from(this.sign(id, nonce));
    const given = Buffer.from(mac);
    return expected.length === given.length && nodeCrypto().timingSafeEqual(expected, given);
  }

  private sign(id: string, nonce: string): string {
    this.csrfKeyBytes ??= nodeCrypto().randomBytes(32);
    return nodeCrypto().createHmac("sha256", this.csrfKeyBytes).update(`${id}.${nonce}`).digest("base64url");
  }
}
