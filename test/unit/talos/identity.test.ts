import { describe, expect, it } from "vitest";
import { describeMachine, describeTarget, groupMachines, identitiesFromResources, identityKeys, machineAliases, sameMachine, type MachineIdentity } from "../../../src/talos/identity.js";

const cp1: MachineIdentity = { names: ["10.0.0.2"], hostname: "cp-1", addresses: ["10.0.0.2", "192.168.1.2"], nodeId: "NodeOne", uuid: "4C4C4544-0039-3010-8048-B4C04F4B4B32" };
const cp2: MachineIdentity = { names: ["10.0.0.3"], hostname: "cp-2", addresses: ["10.0.0.3"], nodeId: "NodeTwo" };

describe("machine identity", () => {
  it("a machine is the same whichever name it was called by", () => {
    for (const other of [
      { names: ["cp-1"], addresses: [] },
      { names: ["192.168.1.2"], addresses: [] },
      { names: ["[192.168.1.2]"], addresses: [] },
      { names: ["x"], addresses: ["192.168.1.2/24"] },
      { names: ["y"], addresses: [], nodeId: "NodeOne" },
      { names: ["4c4c4544-0039-3010-8048-b4c04f4b4b32"], addresses: [] },
      { names: ["CP-1"], addresses: [] },
    ]) {
      expect(sameMachine(cp1, other), JSON.stringify(other)).toBe(true);
    }
  });

  it("different machines stay different; addresses every machine has prove nothing", () => {
    expect(sameMachine(cp1, cp2)).toBe(false);
    const loopbackOnly = (name: string): MachineIdentity => ({ names: [name], addresses: ["127.0.0.1/8", "::1/128"] });
    expect(sameMachine(loopbackOnly("a"), loopbackOnly("b"))).toBe(false);
    expect(identityKeys({ names: ["127.0.0.1"], addresses: [] }).size).toBe(0);
  });

  it("groups names into machines, transitively, keeping every name", () => {
    const machines = groupMachines([
      { names: ["10.0.0.2"], addresses: [] },
      { names: ["10.0.0.3"], addresses: [] },
      { names: ["cp-1"], hostname: "cp-1", addresses: ["192.168.1.2"] },
      { names: ["192.168.1.2"], addresses: ["10.0.0.2", "192.168.1.2"] },
      cp2,
    ]);
    expect(machines.map((m) => m.names.sort())).toEqual([["10.0.0.2", "192.168.1.2", "cp-1"], ["10.0.0.3"]]);
    expect(machines[0]).toMatchObject({ hostname: "cp-1", addresses: expect.arrayContaining(["10.0.0.2", "192.168.1.2"]) });
    expect(machines[1]).toMatchObject({ hostname: "cp-2", nodeId: "NodeTwo" });
  });

  it("reads the identity of each name from talosctl's JSON answers; names that did not answer keep only themselves", () => {
    const identities = identitiesFromResources(["10.0.0.2", "cp-1", "10.0.0.9"], {
      hostnames: [{ node: "10.0.0.2", spec: { hostname: "cp-1" } }, { node: "cp-1", spec: { hostname: "cp-1" } }],
      nodeAddresses: [
        { node: "10.0.0.2", metadata: { id: "current" }, spec: { addresses: ["10.0.0.2/24", "fd00::2/64"] } },
        { node: "10.0.0.2", metadata: { id: "default" }, spec: { addresses: ["10.0.0.2/24"] } },
      ],
      identities: [{ node: "cp-1", spec: { nodeId: "NodeOne" } }],
      systemInformation: [{ node: "10.0.0.2", spec: { uuid: "u-1" } }, { node: "somebody-else", spec: { uuid: "u-2" } }],
    });
    expect(identities.get("10.0.0.2")).toEqual({ names: ["10.0.0.2"], hostname: "cp-1", addresses: ["10.0.0.2", "fd00::2"], uuid: "u-1" });
    expect(identities.get("cp-1")).toEqual({ names: ["cp-1"], hostname: "cp-1", addresses: [], nodeId: "NodeOne" });
    expect(identities.get("10.0.0.9")).toEqual({ names: ["10.0.0.9"], addresses: [] });
    const single = identitiesFromResources(["cp-1"], { hostnames: [{ spec: { hostname: "cp-1" } }], nodeAddresses: [], identities: [], systemInformation: [] });
    expect(single.get("cp-1")?.hostname).toBe("cp-1");
  });

  it("names machines in messages by hostname, with the names used", () => {
    expect(describeMachine(cp1)).toBe("cp-1 [10.0.0.2]");
    expect(describeMachine({ names: ["cp-1"], hostname: "cp-1", addresses: [] })).toBe("cp-1");
    expect(describeMachine({ names: ["10.0.0.9"], addresses: [] })).toBe("10.0.0.9");
    expect(describeTarget("192.168.1.2", cp1)).toBe("192.168.1.2 (cp-1)");
    expect(describeTarget("cp-1", cp1)).toBe("cp-1");
    expect(describeTarget("10.0.0.9", undefined)).toBe("10.0.0.9");
    expect(machineAliases(cp1)).toEqual(["10.0.0.2", "cp-1", "192.168.1.2", "4C4C4544-0039-3010-8048-B4C04F4B4B32"]);
  });
});
