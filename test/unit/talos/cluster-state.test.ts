// The bootstrap/apply ledger: read-modify-write updates are serialised per file, not per store
// object, because every tool call builds its own store for the same file.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClusterStateStore } from "../../../src/talos/cluster-state.js";

const ledger = () => join(mkdtempSync(join(tmpdir(), "talos-mcp-ledger-")), "cluster-state.json");

describe("ClusterStateStore", () => {
  it("loses no entry when concurrent calls update one ledger through separate stores", async () => {
    const file = ledger();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        new ClusterStateStore(file).update((state) => {
          state.nodes[`10.0.0.${i}`] = { role: i % 2 ? "worker" : "controlplane", appliedAt: "2026-01-01T00:00:00.000Z" };
        }),
      ),
    );
    const state = await new ClusterStateStore(file).read();
    expect(Object.keys(state.nodes)).toHaveLength(40);
    expect(await new ClusterStateStore(file).controlPlanes()).toHaveLength(20);
  });

  it("keeps serving after a failed update, and a failed update changes nothing", async () => {
    const file = ledger();
    const store = new ClusterStateStore(file);
    await store.update((state) => void state.bootstraps.push({ node: "a", at: "t", outcome: "bootstrapped" }));
    await expect(store.update(() => { throw new Error("boom"); })).rejects.toThrow("boom");
    await store.update((state) => void state.bootstraps.push({ node: "b", at: "t", outcome: "bootstrapped" }));
    expect((await store.read()).bootstraps.map((b) => b.node)).toEqual(["a", "b"]);
    expect(readdirSync(join(file, ".."))).toEqual(["cluster-state.json"]);
  });

  it("refuses an unreadable ledger instead of starting from an empty one", async () => {
    const file = ledger();
    writeFileSync(file, '{"nodes": {"10.0.0.1": ');
    await expect(new ClusterStateStore(file).read()).rejects.toThrow(/unreadable.*fix or remove it/);
    await expect(new ClusterStateStore(file).update(() => undefined)).rejects.toThrow(/unreadable/);
    expect(readFileSync(file, "utf8")).toBe('{"nodes": {"10.0.0.1": ');
  });
});
