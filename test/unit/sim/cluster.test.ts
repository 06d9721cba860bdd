import { describe, expect, it } from "vitest";
import { SimCluster } from "../../../src/sim/cluster.js";
import { parseScenario } from "../../../src/sim/scenario.js";

function installedCluster(joinDelayMs = 0) {
  const scenario = parseScenario(
    `name: t\nstage: installed\njoinDelayMs: ${joinDelayMs}\nnodes:\n  - {name: cp-1, address: 127.0.9.1, role: controlplane}\n  - {name: cp-2, address: 127.0.9.2, role: controlplane}\n  - {name: w-1, address: 127.0.9.3, role: worker}\n`,
    "t",
  );
  const cluster = new SimCluster(scenario);
  const ca = { certPem: "same-ca" } as never;
  for (const node of cluster.nodes) Object.assign(node, { stage: "installed", role: node.plannedRole, clusterName: "t", ca, etcd: node.plannedRole === "controlplane" ? "waiting" : "none" });
  return cluster;
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe("simulated cluster state machine", () => {
  it("bootstrap starts etcd on one node; the other control plane joins the same cluster; workers settle", async () => {
    const cluster = installedCluster();
    const [cp1, cp2, worker] = cluster.nodes;
    cluster.bootstrap(cp1!);
    await until(() => cp2!.etcd === "running");
    expect(cp2!.etcdCluster).toBe(cp1!.etcdCluster);
    expect(cluster.etcdMembersOf(cp1!.etcdCluster).map((n) => n.name)).toEqual(["cp-1", "cp-2"]);
    cluster.settleWorkers();
    expect(worker!.stage).toBe("running");
    expect(cluster.events.filter((e) => e.detail?.bootstrapped)).toHaveLength(1);
  });

  it("counts scheduled transitions until they ran, so a harness can wait for the final state", async () => {
    const cluster = installedCluster(50);
    const [cp1, cp2] = cluster.nodes;
    expect(cluster.pendingTransitions).toBe(0);
    cluster.bootstrap(cp1!);
    expect(cluster.pendingTransitions).toBe(1);
    const { untilNoPending } = await import("../../../src/sim/index.js");
    await untilNoPending(() => cluster.pendingTransitions, 5_000);
    expect(cluster.pendingTransitions).toBe(0);
    expect(cp2!.etcd).toBe("running");
  });

  it("a second bootstrap before the join splits etcd into two clusters", () => {
    const cluster = installedCluster(60_000);
    const [cp1, cp2] = cluster.nodes;
    cluster.bootstrap(cp1!);
    cluster.bootstrap(cp2!);
    expect(cp1!.etcdCluster).not.toBe(cp2!.etcdCluster);
    // What a harness reads at the end of a run shows the split: two etcd cluster ids.
    const state = cluster.describe();
    expect(state.map((n) => [n.name, n.role, n.stage, n.etcd])).toEqual([
      ["cp-1", "controlplane", "running", "running"],
      ["cp-2", "controlplane", "running", "running"],
      ["w-1", "worker", "installed", "none"],
    ]);
    expect(new Set(state.map((n) => n.etcdCluster).filter(Boolean)).size).toBe(2);
    expect(state[0]).toMatchObject({ address: "127.0.9.1", talosVersion: "v1.12.6", clusterName: "t" });
    cluster.stopTimers();
  });

  it("snapshots are byte-identical while the etcd state is unchanged, and differ after a change", async () => {
    const cluster = installedCluster();
    const [cp1, cp2] = cluster.nodes;
    cluster.bootstrap(cp1!);
    await until(() => cp2!.etcd === "running");
    const first = cluster.snapshotOf(cp1!);
    expect(cluster.snapshotOf(cp2!).equals(first)).toBe(true);
    await cluster.reset(cp2!);
    expect(cluster.snapshotOf(cp1!).equals(first)).toBe(false);
  });

  it("reset returns a node to maintenance without etcd membership", async () => {
    const cluster = installedCluster();
    const [cp1, cp2] = cluster.nodes;
    cluster.bootstrap(cp1!);
    await until(() => cp2!.etcd === "running");
    await cluster.reset(cp2!);
    expect(cp2).toMatchObject({ stage: "maintenance", etcd: "none", etcdCluster: undefined, ca: undefined, role: undefined });
    expect(cluster.etcdMembersOf(cp1!.etcdCluster).map((n) => n.name)).toEqual(["cp-1"]);
  });
});
