// Simulated clusters start on a free loopback block chosen at start (src/sim/loopback.ts), so tests
// find a node's address by its name instead of writing it down.
import { secondaryAddressOf } from "../../src/sim/cluster.js";
import type { SimEvent, SimHandle } from "../../src/sim/index.js";

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

/**
 * The first event that `matches`, among those recorded from the `from`-th on (default: from now):
 * waiting on what the simulation saw instead of polling or sleeping (the test's timeout bounds it).
 * Call it before the action whose event it waits for.
 */
export function eventMatching(sim: Pick<SimHandle, "events" | "onEvent">, matches: (event: SimEvent) => boolean, from = sim.events().length): Promise<SimEvent> {
  return new Promise((resolve) => {
    const off = sim.onEvent((event) => {
      if (!matches(event)) return;
      off();
      resolve(event);
    });
    const recorded = sim.events().slice(from).find(matches);
    if (recorded) {
      off();
      resolve(recorded);
    }
  });
}
