// Isolation: simulated clusters of the same scenario run side by side (parallel tests, one harness
// run per eval task), each on its own loopback block, each answering only for its own nodes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { portIsFree } from "../../src/sim/loopback.js";
import { addressOf } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

describe("several simulations of one scenario", () => {
  it("three running-3cp-2w clusters start together, answer talosctl separately and free every port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-side-by-side-"));
    const sims: SimHandle[] = await Promise.all([0, 1, 2].map((i) => startSimulation({ scenario: "running-3cp-2w", dir: join(dir, `sim-${i}`) })));
    try {
      const blocks = sims.map((sim) => addressOf(sim, "cp-1").split(".").slice(0, 3).join("."));
      expect(new Set(blocks).size).toBe(3);
      for (const sim of sims) {
        const cp1 = addressOf(sim, "cp-1");
        const version = await talosctl(["version", "--nodes", cp1], { talosconfig: sim.talosconfig });
        expect(version.code, version.stderr).toBe(0);
        // Each cluster's talosconfig trusts only its own CA: another cluster's node refuses it.
        const other = sims.find((s) => s !== sim)!;
        const foreign = await talosctl(["version", "--endpoints", addressOf(other, "cp-1"), "--nodes", addressOf(other, "cp-1")], { talosconfig: sim.talosconfig });
        expect(foreign.code).toBe(1);
      }
      expect(sims.every((sim) => sim.events().some((e) => e.method === "/machine.MachineService/Version"))).toBe(true);
    } finally {
      await Promise.all(sims.map((sim) => sim.stop()));
    }
    for (const sim of sims) for (const node of sim.nodes) expect(await portIsFree(node.address, 50000)).toBe(true);
  });
});
