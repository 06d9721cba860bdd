// Contract: the machine-identity resources the guard reads before quorum, bootstrap and Omni
// checks, as the unmodified talosctl gets them from the simulator: hostname, node addresses (every
// address of the node), the cluster identity and the SMBIOS UUID — the same node whether it is
// named by its address, its second address or its hostname.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf, secondAddressOf } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

type Item = { node: string; metadata: { id: string; namespace: string; type: string }; spec: Record<string, unknown> };

describe("machine identity resources (running-3cp-2w)", () => {
  let sim: SimHandle;
  let dir: string;
  const get = async (type: string, nodes: string[]) => {
    const result = await talosctl(["get", type, "--output", "json", "--nodes", nodes.join(",")], { talosconfig: sim.talosconfig, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    return parseJsonStream(result.stdout) as Item[];
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-identity-"));
    sim = await startSimulation({ scenario: "running-3cp-2w", dir });
  });
  afterAll(async () => sim?.stop());

  it("one node answers the same identity to its address, its second address and its hostname", async () => {
    const names = [addressOf(sim, "cp-2"), secondAddressOf(sim, "cp-2"), "cp-2"];
    const hostnames = await get("hostname", names);
    expect(hostnames.map((item) => [item.node, item.spec.hostname])).toEqual(names.map((name) => [name, "cp-2"]));
    const identities = await get("identities", names);
    expect(identities.map((item) => item.metadata)).toEqual(names.map(() => expect.objectContaining({ id: "local", namespace: "cluster", type: "Identities.cluster.talos.dev" })));
    expect(new Set(identities.map((item) => item.spec.nodeId)).size).toBe(1);
    expect(identities[0]!.spec.nodeId).toMatch(/^[0-9A-Za-z]{43}$/);
    const system = await get("systeminformation", names);
    expect(new Set(system.map((item) => item.spec.uuid)).size).toBe(1);
    expect(system[0]!.metadata).toMatchObject({ id: "systeminformation", namespace: "hardware" });
  });

  it("node addresses list every address of the node, with its prefix; members carry the node id", async () => {
    const current = (await get("nodeaddresses", [addressOf(sim, "cp-1")])).find((item) => item.metadata.id === "current")!;
    expect(current.spec.addresses).toEqual([`${addressOf(sim, "cp-1")}/24`, `${secondAddressOf(sim, "cp-1")}/24`]);
    const identity = (await get("identities", [addressOf(sim, "cp-1")]))[0]!.spec.nodeId;
    const member = (await get("members", [addressOf(sim, "cp-2")])).find((item) => item.metadata.id === "cp-1")!;
    expect(member.spec).toMatchObject({ nodeId: identity, hostname: "cp-1", addresses: [addressOf(sim, "cp-1"), secondAddressOf(sim, "cp-1")] });
  });
});
