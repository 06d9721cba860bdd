// In --sim mode: the simulated nodes and the record of everything that happened to them, for
// demos and evaluation harnesses ("bootstrap ran exactly once", "no reset").
import type { RegisterResources } from "../src/server/resource-types.js";

export const registerSimResources: RegisterResources = (server, deps) => {
  const sim = deps.sim;
  if (!sim) return;
  server.registerResource(
    "sim-nodes",
    "talos://sim/nodes",
    { title: "Simulated nodes", description: "Nodes of the simulated cluster: name, address, role.", mimeType: "application/json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(sim.nodes, null, 2) }] }),
  );
  server.registerResource(
    "sim-events",
    "talos://sim/events",
    { title: "Simulator events", description: "Every Talos API call and state change the simulated nodes saw (JSON array).", mimeType: "application/json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(sim.events(), null, 2) }] }),
  );
};
