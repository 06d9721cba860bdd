// The live docs client against a local stand-in for the docs site's MCP endpoint, replaying
// exchanges recorded in test/docs/fixtures/live (no network): tool discovery by prefix, version
// pass-through, 429 back-off, caching, Markdown pages — and the feedback tool never called.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { McpServer } from "@modelcontextprotocol/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LiveDocs, parseSearchText } from "../../../src/docs/live.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

const fixture = JSON.parse(readFileSync(join(REPO_ROOT, "test/docs/fixtures/live/search-bootstrap.json"), "utf8"));
const seen: { tool: string; args: unknown }[] = [];
let throttleNext = 0;
let server: Server;
let base: string;

function fakeDocsSite(): McpServer {
  const mcp = new McpServer({ name: "fake-docs", version: "1" });
  mcp.registerTool("search_sidero_documentation", { description: "search", inputSchema: { query: z.string(), version: z.string().optional() } }, async (args) => {
    seen.push({ tool: "search", args });
    return fixture.response;
  });
  mcp.registerTool("query_docs_filesystem_sidero_documentation", { description: "fs", inputSchema: { command: z.string() } }, async () => ({ content: [{ type: "text", text: "" }] }));
  mcp.registerTool("submit_feedback", { description: "feedback", inputSchema: { text: z.string() } }, async (args) => {
    seen.push({ tool: "submit_feedback", args });
    return { content: [{ type: "text", text: "thanks" }] };
  });
  return mcp;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (throttleNext > 0) {
      throttleNext -= 1;
      res.writeHead(429, { "retry-after": "1" }).end();
      return;
    }
    if (req.url?.endsWith(".md")) {
      res.writeHead(200, { "content-type": "text/markdown" }).end("# Getting Started\n\nBootstrap once.\n");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const mcp = fakeDocsSite();
    res.on("close", () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("live docs client", () => {
  it("parses the search tool's passages", () => {
    const results = parseSearchText(fixture.response.content[0].text);
    expect(results).toEqual([
      { title: "Getting Started", url: "https://docs.siderolabs.com/talos/v1.12/getting-started/getting-started", version: "v1.12", product: "talos", excerpt: expect.stringContaining("Bootstrap etcd once") },
      expect.objectContaining({ title: "Disaster Recovery", version: "v1.12" }),
    ]);
  });

  it("finds the search tool by prefix, passes the version, caches, never calls feedback", async () => {
    const docs = new LiveDocs({ url: `${base}/mcp`, cacheDir: mkdtempSync(join(tmpdir(), "talos-mcp-docs-cache-")) });
    const results = await docs.search("bootstrap etcd", "v1.12");
    expect(results[0]!.title).toBe("Getting Started");
    expect(seen).toEqual([{ tool: "search", args: { query: "bootstrap etcd", version: "v1.12" } }]);
    await docs.search("bootstrap etcd", "v1.12");
    expect(seen).toHaveLength(1);
    expect(seen.some((s) => s.tool === "submit_feedback")).toBe(false);
    await docs.close();
  });

  it("backs off on 429 with Retry-After, then answers", async () => {
    const docs = new LiveDocs({ url: `${base}/mcp` });
    throttleNext = 1;
    const page = await docs.page("talos/v1.12/getting-started/getting-started");
    expect(throttleNext).toBe(0);
    expect(page).toEqual({ markdown: "# Getting Started\n\nBootstrap once.\n", url: `${base}/talos/v1.12/getting-started/getting-started` });
  });

  it("fails fast when the endpoint is unreachable", async () => {
    const docs = new LiveDocs({ url: "http://127.0.0.1:9/mcp", timeoutMs: 2_000 });
    await expect(docs.search("x")).rejects.toThrow();
  });
});
