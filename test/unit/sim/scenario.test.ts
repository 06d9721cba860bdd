import { describe, expect, it } from "vitest";
import { machineUuid } from "../../../src/sim/omni/scenario.js";
import { listScenarios, loadAnyScenario, loadScenario, parseAnyScenario, parseScenario } from "../../../src/sim/scenario.js";

describe("simulator scenarios", () => {
  it("ships the documented scenarios, all valid", () => {
    expect(listScenarios()).toEqual(expect.arrayContaining(["fresh-3cp-2w", "running-3cp-2w", "single-node", "quorum-at-risk", "omni-fresh", "omni-running"]));
    for (const name of listScenarios()) expect(loadAnyScenario(name).scenario.name).toBe(name);
    expect(loadScenario("quorum-at-risk").nodes.find((n) => n.name === "cp-2")?.faults).toEqual({ etcdDown: true });
    expect(loadScenario("running-3cp-2w-k8s")).toMatchObject({ kubernetes: true, kubernetesVersion: "1.35.3", stage: "running" });
    expect(loadScenario("running-3cp-2w").kubernetes).toBe(false);
  });

  it.each([
    ["name: x\nstage: running\nnodes: []\n", /nodes: Too small|nodes: .*at least/i],
    ["name: x\nstage: booting\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /stage:/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 10.0.0.2, role: controlplane}]\n", /nodes\.0\.address: must be an IPv4 loopback address/],
    ["name: x\nstage: running\nnodes: [{name: A_1, address: 127.0.0.2, role: controlplane}]\n", /nodes\.0\.name: must be a hostname/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: worker}]\n", /needs at least one controlplane/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}, {name: a, address: 127.0.0.3, role: worker}]\n", /duplicate node name or address 'a'/],
    ["name: x\nstage: running\nbogus: 1\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /bogus: unknown field/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {slowMs: -1}}]\n", /nodes\.0\.faults\.slowMs/],
    ["name: x\nstage: running\ntalosVersion: '1.12'\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /talosVersion: must be a Talos version like v1\.12\.6/],
    ["name: x\nstage: running\nkubernetesVersion: v1.35\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /kubernetesVersion: must be a Kubernetes version like 1\.35\.2/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {flaky: true}}]\n", /nodes\.0\.faults\.flaky: unknown field/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: master}]\n", /nodes\.0\.role:/],
    ["name: x\nstage: running\nomniManaged: yes please\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /omniManaged:/],
    ["{ not yaml", /not valid YAML/],
    ["name: x\nstage: maintenance\nkubernetes: true\nkubernetesVersion: 1.35.3\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /kubernetes: needs stage: running/],
    ["name: x\nstage: running\nkubernetes: true\nkubernetesVersion: 1.34.2\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /kubernetesVersion: must be 1\.35\.x with kubernetes: true \(the simulated API server is kube-apiserver v1\.35\.4\)/],
    ["name: x\nstage: running\nkubernetes: yes\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /kubernetes:/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {crashLoop: apid}}]\n", /nodes\.0\.faults\.crashLoop:/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}, {name: w, address: 127.0.0.3, role: worker, faults: {crashLoop: etcd}}]\n", /nodes\.1\.faults\.crashLoop: etcd runs on control planes only/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {linkDown: eth0}}]\n", /nodes\.0\.faults\.linkDown: must be 'eth1': the node's API is on eth0 \(use unreachable/],
    ["name: x\nstage: running\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {ephemeralFull: 100}}]\n", /nodes\.0\.faults\.ephemeralFull:/],
    ["name: x\nstage: running\nextensions: [siderolabs/iscsi-tools]\nnodes: [{name: a, address: 127.0.0.2, role: controlplane, faults: {missingExtensions: [siderolabs/zfs]}}]\n", /nodes\.0\.faults\.missingExtensions\.0: 'siderolabs\/zfs' is not in the scenario's extensions/],
    ["name: x\nstage: running\nextensions: [iscsi-tools]\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /extensions\.0: must be an extension name like siderolabs\/iscsi-tools/],
    ["name: x\nstage: running\nkubespan: on\nnodes: [{name: a, address: 127.0.0.2, role: controlplane}]\n", /kubespan:/],
  ])("rejects bad scenario %#", (text, message) => {
    expect(() => parseScenario(text, "test.yaml")).toThrow(message);
  });

  it("takes the troubleshooting faults, the schematic's extensions and KubeSpan", () => {
    const scenario = parseScenario(
      [
        "name: x",
        "stage: running",
        "kubespan: true",
        "extensions: [siderolabs/iscsi-tools, siderolabs/util-linux-tools]",
        "nodes:",
        "  - {name: cp-1, address: 127.0.0.2, role: controlplane, faults: {crashLoop: etcd, ephemeralFull: true, linkDown: eth1, timeNotSynced: true}}",
        "  - {name: w-1, address: 127.0.0.3, role: worker, faults: {crashLoop: kubelet, missingExtensions: [siderolabs/iscsi-tools]}}",
        "",
      ].join("\n"),
      "faults.yaml",
    );
    expect(scenario).toMatchObject({ kubespan: true, extensions: ["siderolabs/iscsi-tools", "siderolabs/util-linux-tools"] });
    expect(scenario.nodes.map((n) => n.faults)).toEqual([
      { crashLoop: "etcd", ephemeralFull: true, linkDown: "eth1", timeNotSynced: true },
      { crashLoop: "kubelet", missingExtensions: ["siderolabs/iscsi-tools"] },
    ]);
    expect(loadScenario("running-3cp-2w")).toMatchObject({ kubespan: false, extensions: [] });
  });

  it("reports every problem at once, each with its path", () => {
    expect(() => parseScenario("name: x\nstage: later\nnodes: [{name: a, address: 10.0.0.1, role: controlplane}]\n", "two.yaml")).toThrow(
      /^scenario two\.yaml: stage: .*; nodes\.0\.address: must be an IPv4 loopback address/,
    );
  });

  it("ships omni-fresh (six machines, no cluster) and omni-running (3 control planes + 1 worker, two machines free)", () => {
    const fresh = loadAnyScenario("omni-fresh");
    const running = loadAnyScenario("omni-running");
    if (fresh.kind !== "omni" || running.kind !== "omni") throw new Error("expected Omni scenarios");
    expect(fresh.scenario.omni.machines).toHaveLength(6);
    expect(fresh.scenario.omni.clusters).toEqual([]);
    const [prod] = running.scenario.omni.clusters;
    expect(prod).toMatchObject({ name: "prod", controlPlanes: expect.any(Array), workers: expect.any(Array) });
    expect(prod!.controlPlanes).toHaveLength(3);
    expect(prod!.workers).toHaveLength(1);
    expect(running.scenario.omni.machines.length - 4).toBe(2);
  });

  it("an Omni scenario is not a Talos one", () => {
    expect(() => loadScenario("omni-fresh")).toThrow(/omni-fresh is an Omni scenario/);
  });

  it.each([
    ["name: x\nomni: {machines: []}\n", /omni\.machines: Too small|omni\.machines: .*at least/i],
    ["name: x\nomni: {machines: [{name: M_1}]}\n", /omni\.machines\.0\.name: must be a lower-case name/],
    ["name: x\nomni: {machines: [{name: m, id: 'NOT-A-UUID'}]}\n", /omni\.machines\.0\.id: must be a lower-case machine UUID/],
    ["name: x\nomni: {machines: [{name: m, talosVersion: '1.12.6'}]}\n", /omni\.machines\.0\.talosVersion: must be a Talos version/],
    ["name: x\nomni: {machines: [{name: m}, {name: m}]}\n", /omni\.machines\.1\.name: duplicate machine 'm'/],
    ["name: x\nomni: {machines: [{name: m}], clusters: [{name: c, controlPlanes: [n]}]}\n", /omni\.clusters\.0\.controlPlanes\.0: no machine named 'n'/],
    ["name: x\nomni: {machines: [{name: m}], clusters: [{name: c, controlPlanes: [m], workers: [m]}]}\n", /omni\.clusters\.0\.workers\.0: machine 'm' is already in a cluster/],
    ["name: x\nomni: {machines: [{name: m}], clusters: [{name: c, controlPlanes: []}]}\n", /omni\.clusters\.0\.controlPlanes/],
    ["name: x\nomni: {machines: [{name: m}], readyAfterMs: -5}\n", /omni\.readyAfterMs/],
    ["name: x\nomni: {machines: [{name: m}], extra: 1}\n", /omni\.extra: unknown field/],
    ["name: x\nomni: {machines: [{name: m, labels: {'bad key!': a}}]}\n", /omni\.machines\.0\.labels/],
    ["name: x\nomni: {machines: [{name: m, connected: maybe}]}\n", /omni\.machines\.0\.connected/],
  ])("rejects bad Omni scenario %#", (text, message) => {
    expect(() => parseAnyScenario(text, "omni.yaml")).toThrow(message);
  });

  it("gives machines without an id a stable UUID of their name, and keeps given ones", () => {
    const id = machineUuid({ name: "m-1" });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(machineUuid({ name: "m-1" })).toBe(id);
    expect(machineUuid({ name: "m-2" })).not.toBe(id);
    expect(machineUuid({ name: "m-1", id: "00000000-0000-4000-a000-000000000001" })).toBe("00000000-0000-4000-a000-000000000001");
  });

  it("refuses unknown names, listing the known ones", () => {
    expect(() => loadScenario("nope")).toThrow(/unknown scenario 'nope': use one of .*fresh-3cp-2w/);
  });
});
