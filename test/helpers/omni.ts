// The simulated Omni for tests: a shipped scenario with a short ready delay, and cluster templates.
import type { SimHandle } from "../../src/sim/index.js";
import { startOmniSimulation } from "../../src/sim/omni/index.js";
import { loadAnyScenario } from "../../src/sim/scenario.js";

export type OmniSim = SimHandle & { omni: NonNullable<SimHandle["omni"]> };

export async function startOmni(name: string, dir: string, readyAfterMs: number): Promise<OmniSim> {
  const loaded = loadAnyScenario(name);
  if (loaded.kind !== "omni") throw new Error(`${name} is not an Omni scenario`);
  return (await startOmniSimulation({ scenario: { ...loaded.scenario, omni: { ...loaded.scenario.omni, readyAfterMs } }, dir })) as OmniSim;
}

/** A cluster template: Cluster, ControlPlane and Workers documents (Talos v1.12.6). */
export function clusterTemplate(cluster: string, controlPlanes: string[], workers: string[], kubernetes = "v1.35.2"): string {
  return [
    `kind: Cluster\nname: ${cluster}\nkubernetes:\n  version: ${kubernetes}\ntalos:\n  version: v1.12.6`,
    `kind: ControlPlane\nmachines:\n${controlPlanes.map((m) => `  - ${m}`).join("\n")}`,
    `kind: Workers\nmachines:\n${workers.map((m) => `  - ${m}`).join("\n")}`,
  ].join("\n---\n");
}
