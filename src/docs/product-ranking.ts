// Which product a docs question is about, and results ordered so that product's pages come first.
// The docs site mixes Talos Linux, Omni and the Kubernetes guides; word overlap alone often puts an
// Omni page ("upgrading clusters", "etcd backups") above the Talos page an operator of a plain Talos
// cluster needs. Pages of other products are ranked below, never removed: a weak match of the right
// product beats a strong match of another, and everything the search found is still there.
import type { Product } from "./products.js";

/**
 * Words and phrases that say which product a question is about: the product's name, its CLI and
 * vocabulary only that product's docs use. Matched as whole words, case-insensitively. Image
 * Factory pages live in the Talos section of the docs, so its vocabulary points at Talos.
 */
const VOCABULARY: Record<Product, readonly string[]> = {
  omni: ["omni", "omnictl", "machineset", "machine set", "machine sets", "machine class", "machine classes", "cluster template", "cluster templates", "siderolink", "infrastructure provider", "infrastructure providers", "workload proxy", "service proxy"],
  talos: ["talos", "talos linux", "talosctl", "talosconfig", "machine config", "machine configuration", "machineconfig", "maintenance mode", "apply-config", "kubespan", "image factory", "schematic", "system extension", "system extensions", "installer image"],
  "kubernetes-guides": ["kubernetes", "k8s", "upgrade-k8s", "kubectl", "cni", "cilium", "flannel", "ingress", "csi", "metallb"],
};

/** Pages of these products answer a question that names no product (talos-mcp runs Talos clusters). */
const DEFAULT_PRODUCTS: ReadonlySet<string> = new Set<Product>(["talos", "kubernetes-guides"]);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Whole words: a letter, digit or '-' on either side means a different word ("omnipresent", "k8s-api"). */
const PATTERNS = Object.entries(VOCABULARY).map(([product, words]) => ({
  product: product as Product,
  pattern: new RegExp(`(?<![\\p{L}\\p{N}-])(?:${words.map((w) => escape(w).replace(/ /g, "[\\s_-]+")).join("|")})(?![\\p{L}\\p{N}-])`, "iu"),
}));

/** The products a question names or uses the vocabulary of; empty when it names none. */
export function productsOfQuery(query: string): Set<Product> {
  return new Set(PATTERNS.filter(({ pattern }) => pattern.test(query)).map(({ product }) => product));
}

/**
 * 0 for a product the question is about, 1 for the default products (Talos, Kubernetes guides)
 * when the question is about another one, 2 for the rest (Omni when not asked about, unknown
 * products such as the changelog). With no product named, the default products get 0.
 */
export function productTier(product: string, asked: ReadonlySet<string>): number {
  if (asked.size === 0) return DEFAULT_PRODUCTS.has(product) ? 0 : 2;
  if (asked.has(product)) return 0;
  return DEFAULT_PRODUCTS.has(product) ? 1 : 2;
}

/** The results with the asked products' pages first (asked: productsOfQuery of the question); within a tier the search's order is kept. */
export function preferAskedProducts<T extends { product: string }>(results: readonly T[], asked: ReadonlySet<string>): T[] {
  return results
    .map((result, index) => ({ result, index, tier: productTier(result.product, asked) }))
    .sort((a, b) => a.tier - b.tier || a.index - b.index)
    .map(({ result }) => result);
}
