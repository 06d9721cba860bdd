// Simulated clusters start on a free loopback block chosen at start (src/sim/loopback.ts), so tests
// find a node's address by its name instead of writing it down.
import { secondaryAddressOf } from "../../src/sim/cluster.js";
import type { SimHandle } from "../../src/sim/index.js";

export function addressOf(sim: Pick<SimHandle, "nodes">, name: string): string {
  const node = sim.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no simulated node named '${name}' (have: ${sim.nodes.map((n) => n.name).join(", ")})`);
  return node.address;
}

/** The address as a regular expression source (dots escaped), for matching CLI output. */
export function addressPattern(address: string): string {
  return address.replace(/\./g, "\\.");
}

/** The node's second address (another interface): answered for by the endpoint, reported in nodeaddresses. */
export function secondAddressOf(sim: Pick<SimHandle, "nodes">, name: string): string {
  return secondaryAddressOf(addressOf(sim, name));
}
