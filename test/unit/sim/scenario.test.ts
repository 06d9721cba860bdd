import { describe, expect, it } from "vitest";
import { listScenarios, loadScenario, parseScenario } from "../../../src/sim/scenario.js";

describe("simulator scenarios", () => {
  it("ships the documented scenarios, all valid", () => {
    expect(listScenarios()).toEqual(expect.arrayContaining(["fresh-3cp-2w", "running-3cp-2w", "single-node", "quorum-at-risk"]));
    for (const name of listScenarios()) expect(loadScenario(name).name).toBe(name);
    expect(loadScenario("quorum-at-risk").nodes.find((n) => n.name === "cp-2")?.faults).toEqual({ etcdDown: true });
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
  ])("rejects bad scenario %#", (text, message) => {
    expect(() => parseScenario(text, "test.yaml")).toThrow(message);
  });

  it("reports every problem at once, each with its path", () => {
    expect(() => parseScenario("name: x\nstage: later\nnodes: [{name: a, address: 10.0.0.1, role: controlplane}]\n", "two.yaml")).toThrow(
      /^scenario two\.yaml: stage: .*; nodes\.0\.address: must be an IPv4 loopback address/,
    );
  });

  it("refuses unknown names, listing the known ones", () => {
    expect(() => loadScenario("nope")).toThrow(/unknown scenario 'nope': use one of .*fresh-3cp-2w/);
  });
});
