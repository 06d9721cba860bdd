import { describe, expect, it } from "vitest";
import { authorized } from "../../../src/sim/rbac.js";
import { OmniModel } from "../../../src/sim/omni/model.js";
import { talosRolesViaOmni, OmniTalosProxy } from "../../../src/sim/omni/talos.js";
import { omniScenarioSchema } from "../../../src/sim/omni/scenario.js";
import { loadTalosApi } from "../../../src/sim/protos.js";
import { EventLog } from "../../../src/sim/events.js";

const M = "/machine.MachineService/";

describe("talosRolesViaOmni (the role Omni's Talos backend injects)", () => {
  it.each([
    ["Reader", `${M}Version`, ["os:reader"]],
    ["Reader", `${M}MetaWrite`, ["os:reader"]],
    ["Operator", `${M}Version`, ["os:operator"]],
    ["Operator", `${M}Reboot`, ["os:operator"]],
    ["Admin", `${M}ApplyConfiguration`, ["os:operator"]],
    ["Admin", `${M}Bootstrap`, ["os:operator"]],
    ["Admin", `${M}EtcdForfeitLeadership`, ["os:admin"]],
    ["Admin", `${M}EtcdDowngradeEnable`, ["os:admin"]],
    ["Operator", `${M}MetaDelete`, ["os:admin"]],
    ["Admin", `${M}Copy`, ["os:admin"]],
    ["Admin", "/storage.StorageService/BlockDeviceWipe", ["os:admin"]],
    ["Admin", "/cosi.resource.State/List", ["os:operator"]],
  ] as const)("%s calling %s runs as %j", (role, method, roles) => {
    expect(talosRolesViaOmni(role, method)).toEqual(roles);
  });

  it("so machine-config writes are refused through Omni whatever the account, and reads are allowed", () => {
    for (const role of ["Reader", "Operator", "Admin"] as const) {
      for (const write of ["ApplyConfiguration", "Bootstrap", "Upgrade", "Reset", "Kubeconfig", "EtcdRecover"]) {
        expect(authorized(`${M}${write}`, talosRolesViaOmni(role, `${M}${write}`)), `${role} ${write}`).toBe(false);
      }
      expect(authorized(`${M}Version`, talosRolesViaOmni(role, `${M}Version`))).toBe(true);
    }
    expect(authorized(`${M}Reboot`, talosRolesViaOmni("Operator", `${M}Reboot`))).toBe(true);
    expect(authorized(`${M}Reboot`, talosRolesViaOmni("Reader", `${M}Reboot`))).toBe(false);
  });
});

describe("OmniTalosProxy", () => {
  const scenario = omniScenarioSchema.parse({
    name: "t",
    omni: { readyAfterMs: 0, machines: [{ name: "a" }, { name: "b" }, { name: "c" }], clusters: [{ name: "prod", controlPlanes: ["a"], workers: ["b"] }] },
  });

  it("models a cluster's ready machines as running Talos nodes; machine UUIDs resolve to their addresses", async () => {
    const model = new OmniModel(scenario);
    const proxy = new OmniTalosProxy(model, loadTalosApi(), new EventLog());
    try {
      const side = await proxy.clusterFor("prod");
      expect(side?.cluster.nodes.map((n) => [n.name, n.address, n.role, n.stage])).toEqual([
        ["a", "172.20.0.2", "controlplane", "running"],
        ["b", "172.20.0.3", "worker", "running"],
      ]);
      expect(side?.endpoint.name).toBe("a");
      expect(await proxy.clusterFor("prod")).toBe(side);
      expect(proxy.resolveNode(model.machines[2]!.id)).toBe("172.20.0.4");
      expect(proxy.resolveNode("a")).toBe("a");
      expect(await proxy.clusterFor("nope")).toBeUndefined();
    } finally {
      model.stop();
    }
  });
});
