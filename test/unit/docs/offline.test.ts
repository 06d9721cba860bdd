// The offline index built from MDX fixtures written for this project (the real docs are not
// redistributable): MDX cleaning, sections, URLs, versions, relevance and bad input.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanMdx, parseVariables, sections, splitFrontmatter } from "../../../src/docs/mdx.js";
import { buildIndex, OfflineDocs, writeIndex } from "../../../src/docs/offline.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

const REPO = join(REPO_ROOT, "test/docs/fixtures/repo");
let docs: OfflineDocs;
let indexFile: string;

beforeAll(async () => {
  indexFile = join(mkdtempSync(join(tmpdir(), "talos-mcp-docs-")), "index.json");
  await writeIndex(await buildIndex(REPO), indexFile);
  docs = await OfflineDocs.load(indexFile);
});

describe("MDX cleaning", () => {
  it("resolves CodeBlock variables and drops imports, banners, comments and component tags", () => {
    const { frontmatter, body } = splitFrontmatter(readFileSync(join(REPO, "public/talos/v1.12/getting-started/getting-started.mdx"), "utf8"));
    expect(frontmatter.title).toBe("Getting Started");
    const vars = parseVariables(readFileSync(join(REPO, "public/snippets/custom-variables.mdx"), "utf8"));
    expect(vars).toEqual({ release: "v1.12.6", version: "v1.12", k8s_release: "1.35.2" });
    const clean = cleanMdx(body, vars);
    expect(clean).toContain("ghcr.io/siderolabs/installer:v1.12.6");
    expect(clean).not.toMatch(/\$\{release\}|import |VersionWarningBanner|internal note|<Warning>/);
    expect(clean).toContain("Run bootstrap only once");
    expect(clean).toContain("https://<IP>:6443");
    expect(sections(clean, "Getting Started").map((s) => s.heading)).toEqual(["Getting Started", "Generate machine configuration", "Apply the configuration", "Bootstrap etcd", "Retrieve the kubeconfig"]);
  });
});

describe("offline search", () => {
  it("maps pages to docs URLs with section anchors and knows the versions", () => {
    expect(docs.versions()).toEqual(["v1.13", "v1.12"]);
    const [first] = docs.query("bootstrap etcd", { version: "v1.12", limit: 3 });
    expect(first!.url).toBe("https://docs.siderolabs.com/talos/v1.12/getting-started/getting-started#bootstrap-etcd");
  });

  it("filters by version and product", () => {
    const v13 = docs.query("upgrade a node", { version: "v1.13", product: "talos", limit: 5 });
    expect(v13.every((r) => r.version === "v1.13")).toBe(true);
    expect(docs.query("template", { product: "omni", limit: 5 }).every((r) => r.product === "omni")).toBe(true);
  });

  it("prefers the product the question is about, and ranks other products below without removing them", () => {
    const products = (query: string, limit = 8) => docs.query(query, { limit }).map((r) => r.product);
    // Word overlap alone put Omni's "register machines" section first for these.
    expect(products("register machines")[0]).toBe("talos");
    expect(products("cluster patches")[0]).toBe("talos");
    expect(products("register machines with omni")[0]).toBe("omni");
    expect(products("omnictl cluster template sync")[0]).toBe("omni");
    // Nothing else matches "template": the Omni pages are still the answer.
    expect(products("template")).toEqual(["omni", "omni", "omni"]);
    // Omni's sections are still in the results, after every Talos and Kubernetes-guides section.
    const all = products("cluster patches", 20);
    expect(all).toContain("omni");
    expect(all.slice(all.indexOf("omni")).every((p) => p === "omni" || p === "other")).toBe(true);
  });

  it("serves pages as Markdown and refuses unknown ones", () => {
    expect(docs.page("talos/v1.12/networking/kubespan")!.markdown).toMatch(/^# KubeSpan[\s\S]*## Enabling KubeSpan/);
    expect(docs.page("talos/v1.12/nope")).toBeUndefined();
  });

  it("meets the relevance floor on the operator query set", () => {
    const cases = JSON.parse(readFileSync(join(REPO_ROOT, "test/docs/relevance.json"), "utf8")) as { query: string; expect: string; within: number }[];
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const misses = cases.filter((c) => {
      const version = c.expect.startsWith("talos/") ? c.expect.split("/")[1] : undefined;
      const pages = docs.query(c.query, { version, limit: c.within }).map((r) => r.url.replace("https://docs.siderolabs.com/", "").replace(/#.*$/, ""));
      return !pages.includes(c.expect);
    });
    expect(misses.map((m) => m.query)).toEqual([]);
  });

  it("refuses an index of another format, with the fix", async () => {
    const old = join(mkdtempSync(join(tmpdir(), "talos-mcp-docs-old-")), "index.json");
    writeFileSync(old, JSON.stringify({ formatVersion: 999, entries: [] }));
    await expect(OfflineDocs.load(old)).rejects.toThrow(/format 999.*rebuild it with `talos-mcp docs index`/);
    await expect(OfflineDocs.load("/nonexistent/index.json")).rejects.toThrow(/talos-mcp docs index --from/);
  });
});
