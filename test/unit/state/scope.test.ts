// The lock scope of a mutation: every way of naming one cluster must meet the same lock (the
// default context by omission or by name), and different clusters must never share one.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockScope } from "../../../src/state/scope.js";

const talosconfig = () => {
  const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-scope-")), "talosconfig");
  writeFileSync(file, "context: prod\ncontexts:\n  prod:\n    endpoints: [10.0.0.2]\n  staging:\n    endpoints: [10.0.1.2]\n");
  return file;
};

describe("lockScope", () => {
  it("names the cluster like the ledger: workspace clusters and talosconfig contexts", async () => {
    const config = { talosconfig: talosconfig() };
    expect(await lockScope("talos", { cluster: "demo", nodes: ["10.0.0.2"] }, config)).toBe("workspace:demo");
    expect(await lockScope("lifecycle", { context: "staging" }, config)).toBe("context:staging");
    expect(await lockScope("etcd", { context: "prod" }, config)).toBe("context:prod");
  });

  it("the default context, omitted or named, is one lock", async () => {
    const file = talosconfig();
    expect(await lockScope("talos", { nodes: ["10.0.0.2"] }, { talosconfig: file })).toBe("context:prod");
    expect(await lockScope("talos", { nodes: ["10.0.0.2"] }, { talosconfig: file, context: "staging" })).toBe("context:staging");
  });

  it("different clusters never share a lock; Omni changes lock the Omni instance", async () => {
    const config = { talosconfig: talosconfig() };
    const scopes = await Promise.all([
      lockScope("talos", { cluster: "a" }, config),
      lockScope("talos", { cluster: "b" }, config),
      lockScope("talos", { context: "a" }, config),
      lockScope("talos", {}, config),
    ]);
    expect(new Set(scopes).size).toBe(scopes.length);
    expect(await lockScope("omni", { cluster: "a" }, config)).toBe("omni");
    expect(await lockScope("omni", { template: "omni/cluster.yaml" }, config)).toBe("omni");
  });

  it("without a readable talosconfig the default context is still one fixed scope", async () => {
    expect(await lockScope("talos", {}, { talosconfig: "/nonexistent/talosconfig" })).toBe("context:(default)");
  });
});
