// The offline docs index for air-gapped sites: built from a user's own clone of the public docs
// repository (never shipped: the docs have no license), one entry per heading section, searched
// with MiniSearch (BM25+ ranking with prefix and fuzzy matching; see docs/docs-search.md).
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import MiniSearch from "minisearch";
import { writeFileAtomic } from "../fs/atomic.js";
import { cleanMdx, parseVariables, sections, splitFrontmatter } from "./mdx.js";

/** 2: one MiniSearch index per shard (a Talos version, or a product without versions). */
export const INDEX_FORMAT_VERSION = 2;
export const DOCS_SITE = "https://docs.siderolabs.com";
import { PRODUCTS, type Product } from "./products.js";
import { preferAskedProducts, productsOfQuery, productTier } from "./product-ranking.js";

export { PRODUCTS, type Product };

export interface DocsEntry {
  id: number;
  url: string;
  page: string;
  title: string;
  section: string;
  product: Product | "other";
  version?: string;
  nav?: string;
  description?: string;
  text: string;
}

export interface DocsIndexFile {
  formatVersion: number;
  builtAt: string;
  versions: string[];
  entries: DocsEntry[];
  /** Shard key (shardOf) → that shard's MiniSearch index. */
  shards: Record<string, unknown>;
}

/**
 * Sections are indexed in shards — "talos/v1.12", "omni", "kubernetes-guides", … — because a
 * search's time grows with the sections that contain its terms, and most searches ask for one
 * Talos version: on the full docs (nine Talos versions) that searches a fifth of the sections.
 * Each shard scores with its own term statistics; merged results are ordered by that score.
 */
export function shardOf(entry: Pick<DocsEntry, "product" | "version">): string {
  return entry.version ? `${entry.product}/${entry.version}` : entry.product;
}

/** Question words carry no meaning for ranking ("how do I bootstrap etcd" → bootstrap, etcd). */
const STOP_WORDS = new Set(["a", "an", "and", "are", "can", "do", "does", "for", "from", "how", "i", "in", "is", "it", "my", "of", "on", "or", "the", "to", "what", "when", "where", "which", "with", "why"]);
/** Words the docs write differently from how operators ask ("backup" vs "back up"). */
const SYNONYMS: Record<string, string> = { backup: "back" };

/** Light stemming so "snapshots" meets "snapshot" and "backing up" meets "backup". */
export function normaliseTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  const stem = lower.length > 4 ? lower.replace(/(ing|ed|es|s)$/, "") : lower;
  return SYNONYMS[stem] ?? stem;
}

const SEARCH_OPTIONS = {
  fields: ["title", "section", "nav", "description", "text"],
  processTerm: normaliseTerm,
  storeFields: [] as string[],
  searchOptions: { boost: { title: 3, section: 2, description: 2, nav: 1.5 }, prefix: true, fuzzy: 0.2, combineWith: "AND" as const },
};

async function mdxFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".mdx") && !entry.parentPath.includes(`${join(dir, "snippets")}`)) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Page path → navigation group, from docs.json (tabs → groups → pages). */
function navigationGroups(docsJson: unknown): Map<string, string> {
  const groups = new Map<string, string>();
  const walk = (node: unknown, group?: string) => {
    if (typeof node === "string") {
      if (group) groups.set(node.replace(/^\//, ""), group);
    } else if (Array.isArray(node)) node.forEach((child) => walk(child, group));
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      const name = typeof record.group === "string" ? record.group : group;
      for (const value of Object.values(record)) walk(value, name);
    }
  };
  walk(docsJson);
  return groups;
}

export async function buildIndex(clone: string): Promise<DocsIndexFile> {
  const publicDir = join(clone, "public");
  const files = await mdxFiles(publicDir).catch(() => {
    throw new Error(`${clone} has no public/ folder of .mdx pages: pass a clone of the docs repository`);
  });
  if (files.length === 0) throw new Error(`no .mdx pages under ${publicDir}`);
  const variables = parseVariables(await readFile(join(publicDir, "snippets/custom-variables.mdx"), "utf8").catch(() => ""));
  const nav = navigationGroups(JSON.parse(await readFile(join(publicDir, "docs.json"), "utf8").catch(() => "{}")));
  const entries: DocsEntry[] = [];
  const versions = new Set<string>();
  for (const file of files) {
    const page = relative(publicDir, file).replace(/\.mdx$/, "");
    const { frontmatter, body } = splitFrontmatter(await readFile(file, "utf8"));
    const title = String(frontmatter.title ?? page.split("/").pop());
    const [product, maybeVersion] = page.split("/");
    const version = product === "talos" && /^v\d+\.\d+/.test(maybeVersion ?? "") ? maybeVersion : undefined;
    if (version) versions.add(version);
    for (const section of sections(cleanMdx(body, variables), title)) {
      entries.push({
        id: entries.length,
        url: `${DOCS_SITE}/${page}${section.anchor ? `#${section.anchor}` : ""}`,
        page,
        title,
        section: section.heading,
        product: (PRODUCTS as readonly string[]).includes(product!) ? (product as Product) : "other",
        version,
        nav: nav.get(page),
        description: typeof frontmatter.description === "string" ? frontmatter.description : undefined,
        text: section.text,
      });
    }
  }
  const shards: Record<string, unknown> = {};
  for (const key of new Set(entries.map(shardOf))) {
    const search = new MiniSearch<DocsEntry>(SEARCH_OPTIONS);
    search.addAll(entries.filter((entry) => shardOf(entry) === key));
    shards[key] = search.toJSON();
  }
  const sortedVersions = [...versions].sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return { formatVersion: INDEX_FORMAT_VERSION, builtAt: new Date().toISOString(), versions: sortedVersions, entries, shards };
}

export async function writeIndex(index: DocsIndexFile, file: string): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(index), 0o644);
}

export interface DocsResult {
  title: string;
  url: string;
  version?: string;
  product: string;
  excerpt: string;
}

export class OfflineDocs {
  private constructor(
    private readonly index: DocsIndexFile,
    private readonly shards: { product: string; version?: string; search: MiniSearch<DocsEntry> }[],
  ) {}

  static async load(file: string): Promise<OfflineDocs> {
    let index: DocsIndexFile;
    try {
      index = JSON.parse(await readFile(file, "utf8")) as DocsIndexFile;
    } catch (error) {
      throw new Error(`cannot read the docs index ${file}: ${(error as Error).message}; build one with \`talos-mcp docs index --from <docs clone>\``);
    }
    if (index.formatVersion !== INDEX_FORMAT_VERSION) {
      throw new Error(`docs index ${file} has format ${index.formatVersion}, this talos-mcp reads format ${INDEX_FORMAT_VERSION}: rebuild it with \`talos-mcp docs index\``);
    }
    const shards = Object.entries(index.shards).map(([key, search]) => {
      const [product, version] = key.split("/");
      return { product: product!, version, search: MiniSearch.loadJS<DocsEntry>(search as never, SEARCH_OPTIONS) };
    });
    return new OfflineDocs(index, shards);
  }

  versions(): string[] {
    return this.index.versions;
  }

  query(query: string, options: { version?: string; product?: Product; limit: number }): DocsResult[] {
    const byId = this.index.entries;
    // A version asks for that Talos release: other Talos versions and unversioned pages outside
    // the products (the changelog) are left out.
    const shards = this.shards.filter(
      (shard) => (!options.product || shard.product === options.product) && (!options.version || (shard.product === "talos" ? shard.version === options.version : shard.product !== "other")),
    );
    const search = (combineWith: "AND" | "OR") => shards.flatMap((shard) => shard.search.search(query, { combineWith })).sort((a, b) => b.score - a.score);
    // The product the question is about first (product-ranking.ts); within a product, sections
    // matching every term before sections matching some of them, each by score.
    const asked = productsOfQuery(query);
    const all = search("AND");
    // When enough sections of the asked products match every term, no partial match can reach the
    // results: the second search (any term, about twice as slow) is skipped.
    const firstTierUrls = new Set(all.filter((hit) => productTier(byId[hit.id]!.product, asked) === 0).map((hit) => byId[hit.id]!.url));
    const some = firstTierUrls.size >= options.limit ? [] : search("OR");
    const matched = new Set(all.map((hit) => hit.id));
    const candidates = [...all, ...some.filter((hit) => !matched.has(hit.id))].map((hit) => byId[hit.id]!);
    const hits = preferAskedProducts(candidates, asked);
    const seen = new Set<string>();
    const results: DocsResult[] = [];
    for (const entry of hits) {
      if (seen.has(entry.url)) continue;
      seen.add(entry.url);
      results.push({ title: entry.section === entry.title ? entry.title : `${entry.title} — ${entry.section}`, url: entry.url, version: entry.version, product: entry.product, excerpt: excerpt(entry.text, query) });
      if (results.length >= options.limit) break;
    }
    return results;
  }

  /** A page's Markdown, reassembled from its sections. */
  page(page: string): { markdown: string; url: string } | undefined {
    const parts = this.index.entries.filter((e) => e.page === page);
    if (parts.length === 0) return undefined;
    const markdown = [`# ${parts[0]!.title}`, ...parts.map((p) => (p.section === p.title ? p.text : `## ${p.section}\n\n${p.text}`))].join("\n\n");
    return { markdown, url: `${DOCS_SITE}/${page}` };
  }
}

/** ~300 characters around the first query term found. */
export function excerpt(text: string, query: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const term = query.toLowerCase().split(/\s+/).find((t) => t.length > 2 && flat.toLowerCase().includes(t));
  const at = term ? Math.max(0, flat.toLowerCase().indexOf(term) - 80) : 0;
  return `${at > 0 ? "…" : ""}${flat.slice(at, at + 300)}${flat.length > at + 300 ? "…" : ""}`;
}
