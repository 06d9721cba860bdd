// The products the docs site covers. Kept apart from the index code so that declaring the
// docs-search tool's input does not load MiniSearch.
export const PRODUCTS = ["talos", "omni", "kubernetes-guides"] as const;
export type Product = (typeof PRODUCTS)[number];
