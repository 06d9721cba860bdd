// Docs search for the tools and resources: live (the docs site's MCP endpoint), offline (a local
// index), or auto — live, falling back to the index when the network fails, and saying so.
import { join } from "node:path";
import type { Config } from "../config-types.js";
import { PINNED } from "../backends/versions.js";
import type { LiveDocs } from "./live.js";
import type { DocsResult, OfflineDocs } from "./offline.js";
import type { Product } from "./products.js";
import { preferAskedProducts, productsOfQuery } from "./product-ranking.js";
import { cached } from "../cached.js";

/** Talos versions the docs site publishes (newest first); the index, when loaded, knows better. */
export const KNOWN_TALOS_DOC_VERSIONS = ["v1.13", "v1.12", "v1.11", "v1.10", "v1.9", "v1.8", "v1.7"];
/** Default version: the pinned talosctl's minor. */
export const DEFAULT_DOCS_VERSION = PINNED.talosctl.replace(/^(v\d+\.\d+).*$/, "$1");

export interface DocsSearchOutcome {
  results: DocsResult[];
  source: "live" | "offline";
  note?: string;
}

export interface DocsService {
  search(input: { query: string; version?: string; product?: Product; limit: number }): Promise<DocsSearchOutcome>;
  page(path: string): Promise<{ markdown: string; url: string; source: "live" | "offline" }>;
  versions(): Promise<string[]>;
}

/**
 * The docs site's own search mixes products too: its answers get the same product preference as
 * the offline index (a reorder of what it returned, nothing added or removed), then the limit.
 */
export function liveResults(results: DocsResult[], { query, product, limit }: { query: string; product?: Product; limit: number }): DocsResult[] {
  return preferAskedProducts(
    results.filter((r) => !product || r.product === product),
    productsOfQuery(query),
  ).slice(0, limit);
}

const services = new WeakMap<Config, DocsService>();

export function docsService(config: Config): DocsService {
  return cached(services, config, createDocsService);
}

function createDocsService(config: Config): DocsService {
  // The live client (MCP client, undici) and the index (MiniSearch) are loaded at the first search.
  let liveDocs: Promise<LiveDocs> | undefined;
  const live =
    config.docs.mode === "offline"
      ? undefined
      : () => (liveDocs ??= import("./live.js").then(({ LiveDocs }) => new LiveDocs({ url: config.docs.url, cacheDir: join(config.stateDir, "docs-cache") })));
  const indexFile = config.docs.index ?? join(config.stateDir, "docs-index.json");
  let offline: Promise<OfflineDocs> | undefined;
  const loadOffline = () => (offline ??= import("./offline.js").then(({ OfflineDocs }) => OfflineDocs.load(indexFile)));

  async function withFallback<T>(liveCall: (() => Promise<T>) | undefined, offlineCall: (docs: OfflineDocs) => T): Promise<{ value: T; source: "live" | "offline"; note?: string }> {
    if (liveCall) {
      try {
        return { value: await liveCall(), source: "live" };
      } catch (error) {
        if (config.docs.mode === "live") throw new Error(`the docs site did not answer (${(error as Error).message}); try again, or use --docs auto with an offline index`);
        const docs = await loadOffline().catch((offlineError: Error) => {
          throw new Error(`the docs site did not answer (${(error as Error).message}) and there is no offline index: ${offlineError.message}`);
        });
        return { value: offlineCall(docs), source: "offline", note: `live docs unavailable (${(error as Error).message}); answered from the offline index` };
      }
    }
    return { value: offlineCall(await loadOffline()), source: "offline" };
  }

  return {
    async search({ query, version, product, limit }) {
      const { value, source, note } = await withFallback(
        live ? async () => liveResults(await (await live()).search(query, product === "talos" || !product ? version : undefined), { query, product, limit }) : undefined,
        (docs) => docs.query(query, { version, product, limit }),
      );
      return { results: value, source, ...(note ? { note } : {}) };
    },
    async page(path) {
      const { value, source } = await withFallback(live ? async () => (await live()).page(path) : undefined, (docs) => {
        const page = docs.page(path);
        if (!page) throw new Error(`no page '${path}' in the offline index`);
        return page;
      });
      return { ...value, source };
    },
    async versions() {
      const docs = await loadOffline().catch(() => undefined);
      return docs?.versions().length ? docs.versions() : KNOWN_TALOS_DOC_VERSIONS;
    },
  };
}
