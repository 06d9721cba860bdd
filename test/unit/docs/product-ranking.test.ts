// Product-aware ranking: which product a docs question is about (names, CLIs, vocabulary) and the
// order that follows from it — the asked product first, others below but never removed.
import { describe, expect, it } from "vitest";
import { preferAskedProducts, productsOfQuery, productTier } from "../../../src/docs/product-ranking.js";
import { liveResults } from "../../../src/docs/service.js";

const asked = (query: string) => [...productsOfQuery(query)].sort();
const page = (product: string, name: string) => ({ product, url: `https://docs.siderolabs.com/${product}/${name}` });
const order = (query: string, results: { product: string; url: string }[]) => preferAskedProducts(results, productsOfQuery(query)).map((r) => r.url.replace("https://docs.siderolabs.com/", ""));

describe("productsOfQuery", () => {
  it.each([
    ["how do I register machines with Omni", ["omni"]],
    ["omnictl cluster template sync", ["omni"]],
    ["scale a MachineSet", ["omni"]],
    ["add nodes to a machine set", ["omni"]],
    ["create a machine class for bare metal", ["omni"]],
    ["cluster-template patches", ["omni"]],
    ["siderolink join token", ["omni"]],
    ["talosctl upgrade one node", ["talos"]],
    ["patch the machine config", ["talos"]],
    ["return node to maintenance mode", ["talos"]],
    ["Talos Linux on Raspberry Pi", ["talos"]],
    ["image factory schematic with extensions", ["talos"]],
    ["kubespan peers status", ["talos"]],
    ["upgrade-k8s dry run", ["kubernetes-guides"]],
    ["install Cilium as the CNI", ["kubernetes-guides"]],
    ["upgrade kubernetes on a talos cluster", ["kubernetes-guides", "talos"]],
    ["omni and talosctl together", ["omni", "talos"]],
  ])("%s → %j", (query, expected) => {
    expect(asked(query)).toEqual(expected);
  });

  it.each([
    "how do I bootstrap etcd",
    "etcd snapshot backup",
    "reset a node wipe disk",
    "get kubeconfig",
    // Whole words only: a longer word or a hyphenated name is not the product.
    "omnipresent logging",
    "talosify my homelab",
    "machine settings for disks",
    "the k8s-api endpoint",
    "",
  ])("names no product: %j", (query) => {
    expect(asked(query)).toEqual([]);
  });
});

describe("productTier", () => {
  it("puts Talos and the Kubernetes guides first when no product is named, Omni and unknown products last", () => {
    const none = new Set<string>();
    expect([productTier("talos", none), productTier("kubernetes-guides", none), productTier("omni", none), productTier("other", none), productTier("image-factory", none)]).toEqual([0, 0, 2, 2, 2]);
  });

  it("puts the named product first, the default products next, the rest last", () => {
    const omni = new Set(["omni"]);
    expect([productTier("omni", omni), productTier("talos", omni), productTier("kubernetes-guides", omni), productTier("other", omni)]).toEqual([0, 1, 1, 2]);
    const guides = new Set(["kubernetes-guides"]);
    expect([productTier("kubernetes-guides", guides), productTier("talos", guides), productTier("omni", guides)]).toEqual([0, 1, 2]);
  });
});

describe("preferAskedProducts", () => {
  const mixed = [page("omni", "upgrading-clusters"), page("talos", "upgrading-talos"), page("other", "changelog"), page("kubernetes-guides", "upgrading-kubernetes"), page("omni", "etcd-backups")];

  it("never answers a question that does not name Omni with an Omni page first when a Talos page matched", () => {
    expect(order("upgrade a node", mixed)).toEqual(["talos/upgrading-talos", "kubernetes-guides/upgrading-kubernetes", "omni/upgrading-clusters", "other/changelog", "omni/etcd-backups"]);
    expect(order("talosctl upgrade", mixed)[0]).toBe("talos/upgrading-talos");
  });

  it("answers a question that names Omni (or its vocabulary) with Omni pages first", () => {
    expect(order("upgrade a cluster in Omni", mixed)).toEqual(["omni/upgrading-clusters", "omni/etcd-backups", "talos/upgrading-talos", "kubernetes-guides/upgrading-kubernetes", "other/changelog"]);
    expect(order("omnictl upgrade", mixed).slice(0, 2)).toEqual(["omni/upgrading-clusters", "omni/etcd-backups"]);
  });

  it("keeps the search's order within a tier (ties) and removes nothing", () => {
    const talosFirst = [page("talos", "b"), page("talos", "a"), page("kubernetes-guides", "c")];
    expect(order("etcd", talosFirst)).toEqual(["talos/b", "talos/a", "kubernetes-guides/c"]);
    expect(order("etcd", [...talosFirst].reverse())).toEqual(["kubernetes-guides/c", "talos/a", "talos/b"]);
    expect(order("omni", mixed)).toHaveLength(mixed.length);
  });

  it("leaves Omni pages first when nothing else matched, and unknown products after the known ones", () => {
    expect(order("upgrade", [page("omni", "x"), page("omni", "y")])).toEqual(["omni/x", "omni/y"]);
    expect(order("talosctl", [page("image-factory", "z"), page("omni", "x"), page("talos", "t")])).toEqual(["talos/t", "image-factory/z", "omni/x"]);
    expect(order("upgrade", [])).toEqual([]);
  });
});

describe("live (proxied) results", () => {
  const result = (product: string, name: string) => ({ title: name, url: `https://docs.siderolabs.com/${product}/${name}`, product, excerpt: "" });
  const proxied = [result("omni", "upgrading-clusters"), result("omni", "etcd-backups"), result("talos", "upgrading-talos")];

  it("get the same preference before the limit, so a Talos page is not cut off behind Omni pages", () => {
    expect(liveResults(proxied, { query: "upgrade a node", limit: 2 }).map((r) => r.title)).toEqual(["upgrading-talos", "upgrading-clusters"]);
    expect(liveResults(proxied, { query: "upgrade in omni", limit: 2 }).map((r) => r.title)).toEqual(["upgrading-clusters", "etcd-backups"]);
  });

  it("still honour an explicit product", () => {
    expect(liveResults(proxied, { query: "upgrade a node", product: "omni", limit: 5 }).map((r) => r.title)).toEqual(["upgrading-clusters", "etcd-backups"]);
  });
});
