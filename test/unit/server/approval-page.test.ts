// The approval page's HTTP surface without a browser (the browser flows are in test/browser/):
// headers that keep it out of frames, caches and other sites; methods; the loopback Host check
// against DNS rebinding; requests that are not the page's own form.
import { request } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerApprovalLinks } from "../../../src/server/approval-links.js";
import { ApprovalPage } from "../../../src/server/approval-page.js";
import { FileApprovalStore } from "../../../src/server/approval-store.js";
import { planRecord } from "../../helpers/plans.js";

let links: ServerApprovalLinks;
let store: FileApprovalStore;
let record: ReturnType<typeof planRecord>;
let url: string;

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "talos-mcp-page-"));
  store = new FileApprovalStore(join(stateDir, "approvals"));
  links = new ServerApprovalLinks(new ApprovalPage(store), ["--state-dir", stateDir]);
  record = planRecord({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
  await store.create(record);
  url = await links.linkFor(record.id, record.pageSecret!);
});
afterAll(() => links.close());

function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("approval page over HTTP", () => {
  it("serves the plan with headers that forbid framing, caching, scripts and sniffing", async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`^talos_mcp_csrf=[^;]+; Path=/approvals/${record.id}; HttpOnly; SameSite=Strict$`));
    expect(await res.text()).toContain("Reboot 10.0.0.2");
  });

  it("answers only its own Host (DNS rebinding), only /approvals/, only GET and POST", async () => {
    const path = new URL(url).pathname;
    expect((await raw(path, { headers: { host: "evil.example" } })).status).toBe(421);
    expect((await raw(path, { headers: { host: `localhost:${new URL(url).port}` } })).status).toBe(200);
    expect((await raw("/mcp")).status).toBe(404);
    expect((await raw(path, { method: "PUT" })).status).toBe(405);
    expect((await raw(`/approvals/${record.id}`)).status).toBe(404);
    expect((await raw(`/approvals/${record.id}/${record.pageSecret}/x`)).status).toBe(404);
  });

  it("takes decisions only as the page's own urlencoded form", async () => {
    const post = (headers: Record<string, string>, body = `secret=${record.pageSecret}&decision=approve&csrf=x.y`) =>
      raw(`/approvals/${record.id}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
    const origin = new URL(url).origin;
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: "http://evil.example" })).status).toBe(403);
    expect((await post({ origin, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post({ origin, "content-type": "application/json" })).status).toBe(400);
    expect((await post({ origin }, "x".repeat(20_000))).status).toBe(400);
    expect((await post({ origin, cookie: "talos_mcp_csrf=x.y" })).body).toMatch(/CSRF check failed/);
    expect((await store.get(record.id))!.decision).toBeUndefined();
  });

  it("links survive redaction untouched, and name the terminal command with the state directory", async () => {
    const { redactText } = await import("../../../src/exec/redact.js");
    expect(redactText(url)).toBe(url);
    expect(links.command("approve", record.id)).toMatch(new RegExp(`^talos-mcp approve ${record.id} --state-dir /`));
  });
});
