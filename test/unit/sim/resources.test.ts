import { describe, expect, it } from "vitest";
import { definitionOf, KINDS, RD_TYPE, singular } from "../../../src/sim/resources.js";
import { RESOURCE_TYPE_NAMES } from "../../../src/talos/resource-types.js";

const RD = { type: RD_TYPE, namespace: "meta" };

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

  it("every type the get tool allows resolves to exactly one simulated kind, as talosctl resolves aliases", () => {
    const resolve = (name: string) => [RD, ...KINDS].filter((kind) => kind.type.toLowerCase() === name || definitionOf(kind).allAliases.includes(name));
    for (const name of RESOURCE_TYPE_NAMES) expect(resolve(name).map((kind) => kind.type), name).toHaveLength(1);
    expect(resolve("mounts")[0]!.type).toBe("MountStatuses.runtime.talos.dev");
    expect(resolve("addresses")[0]!.type).toBe("AddressStatuses.net.talos.dev");
    expect(resolve("kubespanpeerstatuses")[0]!.namespace).toBe("kubespan");
    // Real Talos has no such alias: the cluster identity is `identities`.
    expect(resolve("clusteridentity")).toEqual([]);
  });

  it("skips the automatic aliases where Talos does (runtime MountStatus answers only to `mounts`)", () => {
    const mounts = definitionOf(KINDS.find((k) => k.type === "MountStatuses.runtime.talos.dev")!);
    expect(mounts).toMatchObject({ aliases: ["mounts"], allAliases: ["mounts"], displayType: "MountStatus" });
  });

  it("uses the real type names, namespaces and sensitivity, one kind per type", () => {
    const types = KINDS.map((k) => k.type);
    expect(new Set(types).size).toBe(types.length);
    for (const kind of KINDS) expect(kind.type).toMatch(/^[A-Z][A-Za-z]+s\.[a-z0-9.]+\.(talos|cosi)\.dev$/);
    expect(KINDS.filter((k) => k.sensitive).map((k) => k.type).sort()).toEqual([
      "EtcdRootSecrets.secrets.talos.dev",
      "KubeSpanConfigs.kubespan.talos.dev",
      "KubeSpanIdentities.kubespan.talos.dev",
      "KubernetesRootSecrets.secrets.talos.dev",
      "MachineConfigs.config.talos.dev",
      "OSRootSecrets.secrets.talos.dev",
    ]);
    expect(Object.fromEntries(KINDS.filter((k) => /^(Disks|AddressStatuses|TimeStatuses|StaticPodStatuses|KubeSpanConfigs)\./.test(k.type)).map((k) => [k.type, k.namespace]))).toEqual({
      "Disks.block.talos.dev": "runtime",
      "AddressStatuses.net.talos.dev": "network",
      "TimeStatuses.v1alpha1.talos.dev": "runtime",
      "StaticPodStatuses.kubernetes.talos.dev": "k8s",
      "KubeSpanConfigs.kubespan.talos.dev": "config",
    });
  });
});
