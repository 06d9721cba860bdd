import { describe, expect, it } from "vitest";
import { definitionOf, KINDS, singular } from "../../../src/sim/resources.js";

describe("simulated COSI resource definitions", () => {
  it.each([
    ["HostnameStatuses", "HostnameStatus"],
    ["Services", "Service"],
    ["MachineStatuses", "MachineStatus"],
    ["EtcdMembers", "EtcdMember"],
    ["ResourceDefinitions", "ResourceDefinition"],
    ["Addresses", "Address"],
    ["Policies", "Policy"],
  ])("singular(%s) = %s", (plural, single) => expect(singular(plural)).toBe(single));

  it("completes aliases as COSI's Fill does (etcdmembers → em, machineconfigs → mc)", () => {
    const em = definitionOf(KINDS.find((k) => k.type === "EtcdMembers.etcd.talos.dev")!);
    expect(em).toMatchObject({ displayType: "EtcdMember", defaultNamespace: "etcd", aliases: ["etcdmember", "em", "ems"] });
    expect(em.allAliases).toEqual(expect.arrayContaining(["etcdmembers", "etcdmembers.etcd", "etcdmembers.etcd.talos"]));
    const mc = definitionOf(KINDS.find((k) => k.type === "MachineConfigs.config.talos.dev")!);
    expect(mc).toMatchObject({ aliases: ["machineconfig", "mc", "mcs"], sensitivity: 1 });
  });

  it("uses the real type names and namespaces", () => {
    expect(KINDS.map((k) => `${k.type}@${k.namespace}`).sort()).toEqual([
      "EtcdMembers.etcd.talos.dev@etcd",
      "HostnameStatuses.net.talos.dev@network",
      "Identities.cluster.talos.dev@cluster",
      "MachineConfigs.config.talos.dev@config",
      "MachineStatuses.runtime.talos.dev@runtime",
      "MachineTypes.config.talos.dev@config",
      "Members.cluster.talos.dev@cluster",
      "NodeAddresses.net.talos.dev@network",
      "Services.v1alpha1.talos.dev@runtime",
      "SystemInformations.hardware.talos.dev@hardware",
    ]);
  });
});
