// docs-search and the docs:// resources through MCP, on the offline index built from fixtures.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIndex, writeIndex } from "../../src/docs/offline.js";
import { startSimulation } from "../../src/sim/index.js";
import { docsPagePath } from "../../resources/docs.js";
import { configFor, session, text } from "../helpers/session.js";
import { REPO_ROOT } from "../helpers/stdio-server.js";

let config: ReturnType<typeof configFor>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-docs-it-"));
  const index = join(dir, "docs-index.json");
  await writeIndex(await buildIndex(join(REPO_ROOT, "test/docs/fixtures/repo")), index);
  config = configFor(dir, ["--docs", "offline", "--docs-index", index]);
});

describe("docs-search (offline)", () => {
  it("returns ranked results with links, structured and as text", async () => {
    const { call } = await session(config);
    const result = await call("docs-search", { query: "how do I bootstrap etcd" });
    const out = result.structuredContent as { results: { url: string; version?: string }[]; source: string };
    expect(out.source).toBe("offline");
    expect(out.results[0]!.url).toMatch(/talos\/v1\.12\/getting-started\/getting-started/);
    expect(out.results.every((r) => !r.version || r.version === "v1.12")).toBe(true);
    expect(text(result)).toContain("https://docs.siderolabs.com/");
  });

  it("names the field for bad input and lists the known versions", async () => {
    const { call } = await session(config);
    expect(text(await call("docs-search", { query: "" }))).toMatch(/field 'query': must not be empty/);
    expect(text(await call("docs-search", { query: "x".repeat(2000) }))).toMatch(/field 'query': must be at most 500 characters/);
    expect(text(await call("docs-search", { query: "upgrade", version: "v9.9" }))).toMatch(/unknown docs version v9\.9[\s\S]*v1\.13, v1\.12/);
  });
});

describe("docs resources", () => {
  it("reads versions, searches and pages; refuses '..' in a page path", async () => {
    const { client } = await session(config);
    const versions = await client.readResource({ uri: "docs://versions" });
    expect(JSON.parse((versions.contents[0] as { text: string }).text)).toEqual(["v1.13", "v1.12"]);
    const search = await client.readResource({ uri: "docs://search/v1.12/kubespan" });
    expect((search.contents[0] as { text: string }).text).toContain("talos/v1.12/networking/kubespan");
    const page = await client.readResource({ uri: "docs://page/talos/v1.12/networking/kubespan" });
    expect((page.contents[0] as { text: string }).text).toMatch(/https:\/\/docs\.siderolabs\.com\/talos\/v1\.12\/networking\/kubespan[\s\S]*# KubeSpan/);
    // URI parsing already folds ".." segments; what is left is looked up as a docs page, never a file.
    await expect(client.readResource({ uri: "docs://page/talos/../../etc/passwd" })).rejects.toThrow(/no page 'etc\/passwd'/);
    for (const bad of ["../etc/passwd", "talos/./x", "talos//x", "talos/v1.12/%2e%2e", "a b"]) expect(docsPagePath(bad), bad).toBeUndefined();
    expect(docsPagePath("/talos/v1.12/networking/kubespan.mdx")).toBe("talos/v1.12/networking/kubespan");
  });
});

describe("docs version follows the cluster", () => {
  it("defaults to the Talos minor the current context's nodes run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-docs-version-"));
    const scenario = join(dir, "v113.yaml");
    writeFileSync(scenario, "name: v113\nstage: running\ntalosVersion: v1.13.0\nnodes:\n  - { name: cp-1, address: 127.0.81.11, role: controlplane }\n");
    const sim = await startSimulation({ scenario, dir: join(dir, "sim") });
    try {
      const withCluster = Object.freeze({ ...config, talosconfig: sim.talosconfig });
      const { call } = await session(withCluster);
      const result = await call("docs-search", { query: "upgrade a node" });
      const out = result.structuredContent as { results: { version?: string }[] };
      expect(out.results.length).toBeGreaterThan(0);
      expect(out.results.filter((r) => r.version).every((r) => r.version === "v1.13")).toBe(true);
    } finally {
      await sim.stop();
    }
  });
});
