// Where people approve plans. Over HTTP the approval page is a route of the server itself (the
// transport hands its public URL here). Over stdio there is no server to route to, so the first
// plan that needs a person opens the page on a loopback port: 127.0.0.1 only, a Host check
// against DNS rebinding, and nothing but /approvals/ served. The one-time secret in each link and
// the page's CSRF checks do the rest (approval-page.ts).
import type { Server } from "node:http";
import { ApprovalPage, APPROVAL_PATH } from "./approval-page.js";
import type { ApprovalLinks } from "./consent.js";
import type { Config } from "../config-types.js";

const shellQuote = (value: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** The flags that point `talos-mcp approve` at this server's plans. */
export function approvalStateFlags(config: Pick<Config, "stateDir" | "state">): string[] {
  const { state } = config;
  if (state.backend === "file") return ["--state-dir", config.stateDir];
  return ["--state", "kubernetes", ...(state.kubeconfig ? ["--state-kubeconfig", state.kubeconfig] : []), ...(state.namespace ? ["--state-namespace", state.namespace] : [])];
}

export class ServerApprovalLinks implements ApprovalLinks {
  private baseUrl?: string;
  private loopback?: Promise<{ server: Server; url: string }>;

  /**
   * `stateFlags` tell `talos-mcp approve` where the server's plans are: --state-dir DIR, or the
   * kubernetes backend's flags (approvalStateFlags).
   */
  constructor(
    private readonly page: ApprovalPage,
    private readonly stateFlags: string[],
  ) {}

  /** The HTTP transport serves the page itself, at this base URL. */
  useBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/+$/, "");
  }

  async linkFor(planId: string, secret: string): Promise<string> {
    const base = this.baseUrl ?? (await this.startLoopback()).url;
    return `${base}${APPROVAL_PATH}${planId}/${secret}`;
  }

  command(verb: "approve" | "reject", planId: string): string {
    return ["talos-mcp", verb, planId, ...this.stateFlags.map(shellQuote)].join(" ");
  }

  async close(): Promise<void> {
    const running = await this.loopback;
    this.loopback = undefined;
    if (!running) return;
    running.server.closeAllConnections();
    await new Promise<void>((resolve) => running.server.close(() => resolve()));
  }

  private startLoopback(): Promise<{ server: Server; url: string }> {
    this.loopback ??= this.listenOnLoopback();
    return this.loopback;
  }

  private async listenOnLoopback(): Promise<{ server: Server; url: string }> {
    // Loaded with the page: a stdio server whose plans never need it does not load node:http at start.
    const { createServer } = await import("node:http");
    return new Promise((resolve, reject) => {
      let hosts: string[] = [];
      let origins: string[] = [];
      const server = createServer((req, res) => {
        if (!hosts.includes(req.headers.host ?? "")) {
          res.writeHead(421, { "content-type": "text/plain" });
          return void res.end("wrong Host for the talos-mcp approval page\n");
        }
        if (!(req.url ?? "").startsWith(APPROVAL_PATH)) {
          res.writeHead(404, { "content-type": "text/plain" });
          return void res.end("not found\n");
        }
        void this.page
          .handle(req, res, { ownOrigins: origins, authorize: () => ({ ok: true, approver: "a person at the approval page (loopback)" }) })
          .catch(() => {
            if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
            res.end("internal error\n");
          });
      });
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const port = typeof address === "object" && address ? address.port : 0;
        hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
        origins = hosts.map((host) => `http://${host}`);
        // The page must not keep a stdio server alive after its client went away.
        server.unref();
        resolve({ server, url: `http://127.0.0.1:${port}` });
      });
    });
  }
}
