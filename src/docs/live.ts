// Client of the docs site's own MCP endpoint (Mintlify): the SDK's Streamable HTTP client over
// undici (timeouts, HTTP(S)_PROXY honoured, 429 back-off with Retry-After). The search and
// filesystem tools are found by name prefix at first use, because their names carry the site's
// name; the feedback tool is never called or exposed. Results are cached in memory and on disk.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { EnvHttpProxyAgent, fetch as undiciFetch } from "undici";
import { limitResponse } from "../net/limit-response.js";
import { writeFileAtomic } from "../fs/atomic.js";
import type { DocsResult } from "./offline.js";

export interface LiveDocsOptions {
  url: string;
  cacheDir?: string;
  timeoutMs?: number;
  cacheTtlMs?: number;
  maxRetries?: number;
}

const SEARCH_PREFIX = "search_";
const FILESYSTEM_PREFIX = "query_docs_filesystem_";

/** Parses the search tool's text: passages with Title, Link (or Page) and Content lines. */
export function parseSearchText(text: string): DocsResult[] {
  const blocks = text.split(/\n(?=Title:)/).filter((block) => /^Title:/m.test(block));
  return blocks.map((block) => {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(block)?.[1]?.trim();
    const url = field("Link") ?? field("Page") ?? "";
    const content = /^Content:\s*([\s\S]*)$/m.exec(block)?.[1]?.trim() ?? "";
    const version = /\/talos\/(v\d+\.\d+)\//.exec(url)?.[1];
    const product = /\/(talos|omni|kubernetes-guides)\//.exec(url)?.[1] ?? "other";
    return { title: field("Title") ?? url, url, version, product, excerpt: content.replace(/\s+/g, " ").slice(0, 300) };
  });
}

/** Far above a docs page or a search answer; an endless stream fails here, not in memory. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export class LiveDocs {
  private tools?: Promise<{ client: Client; search: string; filesystem?: string }>;
  private readonly memory = new Map<string, { at: number; value: unknown }>();
  private readonly fetch: typeof fetch;

  constructor(private readonly options: LiveDocsOptions) {
    const dispatcher = new EnvHttpProxyAgent({ connectTimeout: 5_000 });
    const timeoutMs = options.timeoutMs ?? 15_000;
    const maxRetries = options.maxRetries ?? 3;
    this.fetch = (async (input: string | URL, init?: RequestInit) => {
      for (let attempt = 0; ; attempt += 1) {
        const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
        const response = limitResponse((await undiciFetch(input as string, { ...(init as object), signal, dispatcher } as never)) as unknown as Response, MAX_ANSWER_BYTES, "the docs site");
        if (response.status !== 429 || attempt >= maxRetries) return response;
        const retryAfter = Number(response.headers.get("retry-after") ?? "1");
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000)));
      }
    }) as typeof fetch;
  }

  private connect() {
    this.tools ??= (async () => {
      const client = new Client({ name: "talos-mcp-docs", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(this.options.url), { fetch: this.fetch }));
      const { tools } = await client.listTools();
      const search = tools.find((t) => t.name.startsWith(SEARCH_PREFIX))?.name;
      const filesystem = tools.find((t) => t.name.startsWith(FILESYSTEM_PREFIX))?.name;
      if (!search) throw new Error(`the docs endpoint ${this.options.url} offers no ${SEARCH_PREFIX}* tool`);
      return { client, search, filesystem };
    })();
    this.tools.catch(() => (this.tools = undefined));
    return this.tools;
  }

  private async cached<T>(key: string, produce: () => Promise<T>): Promise<T> {
    const ttl = this.options.cacheTtlMs ?? 24 * 3600_000;
    const hit = this.memory.get(key);
    if (hit && Date.now() - hit.at < ttl) return hit.value as T;
    const file = this.options.cacheDir ? join(this.options.cacheDir, `${createHash("sha256").update(key).digest("hex")}.json`) : undefined;
    if (file) {
      const disk = await readFile(file, "utf8").then((t) => JSON.parse(t) as { at: number; value: T }, () => undefined);
      if (disk && Date.now() - disk.at < ttl) {
        this.memory.set(key, disk);
        return disk.value;
      }
    }
    const value = await produce();
    const entry = { at: Date.now(), value };
    this.memory.set(key, entry);
    if (this.memory.size > 200) this.memory.delete(this.memory.keys().next().value!);
    if (file) await writeFileAtomic(file, JSON.stringify(entry), 0o600).catch(() => undefined);
    return value;
  }

  async search(query: string, version?: string): Promise<DocsResult[]> {
    return this.cached(`search\0${query}\0${version ?? ""}`, async () => {
      const { client, search } = await this.connect();
      const result = await client.callTool({ name: search, arguments: { query, ...(version ? { version } : {}) } });
      if (result.isError) throw new Error(`docs search failed: ${JSON.stringify(result.content).slice(0, 200)}`);
      const text = ((result.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
      return parseSearchText(text);
    });
  }

  /** A page as Markdown: `<site>/<path>.md`. */
  async page(path: string): Promise<{ markdown: string; url: string }> {
    const site = new URL(this.options.url).origin;
    const url = `${site}/${path}`;
    return this.cached(`page\0${path}`, async () => {
      const response = await this.fetch(`${url}.md`);
      if (!response.ok) throw new Error(`docs page ${url} answered HTTP ${response.status}`);
      return { markdown: await response.text(), url };
    });
  }

  async close(): Promise<void> {
    const tools = await this.tools?.catch(() => undefined);
    await tools?.client.close();
  }
}
