// The simulated Omni's controllers: a held readiness keeps a new cluster coming up until released.
import { describe, expect, it } from "vitest";
import { L, OmniModel, T } from "../../../src/sim/omni/model.js";
import { omniScenarioSchema } from "../../../src/sim/omni/scenario.js";
import { eventually } from "../../helpers/wait.js";

const READY_AFTER_MS = 50;
const NS = "default";

/** What a template sync writes for cluster `demo`: the cluster, one machine set, its node. */
function syncDemo(model: OmniModel): void {
  const machine = model.machines[0]!.id;
  model.state.create({ metadata: { namespace: NS, type: T.cluster, id: "demo" }, spec: { kubernetes_version: "1.35.2", talos_version: "1.12.6" } });
  model.state.create({ metadata: { namespace: NS, type: T.machineSet, id: "demo-control-planes", labels: { [L.cluster]: "demo", [L.controlPlane]: "" } }, spec: {} });
  model.state.create({ metadata: { namespace: NS, type: T.machineSetNode, id: machine, labels: { [L.cluster]: "demo", [L.machineSet]: "demo-control-planes", [L.controlPlane]: "" } }, spec: {} });
}

const clusterReady = (model: OmniModel) => model.state.find(NS, T.clusterStatus, "demo")?.spec.ready;

describe("OmniModel.holdReadiness", () => {
  const scenario = omniScenarioSchema.parse({ name: "t", omni: { readyAfterMs: READY_AFTER_MS, machines: [{ name: "a" }] } });

  it("without a hold, a synced cluster is ready readyAfterMs later", async () => {
    const model = new OmniModel(scenario);
    try {
      syncDemo(model);
      await eventually(async () => expect(clusterReady(model)).toBe(true));
    } finally {
      model.stop();
    }
  });

  it("held, the cluster stays not ready well past readyAfterMs; released, it comes up", async () => {
    const model = new OmniModel(scenario);
    try {
      const release = model.holdReadiness();
      syncDemo(model);
      await eventually(async () => expect(clusterReady(model)).toBe(false));
      // Twenty times the delay: a hold that leaked would have made it ready by now.
      await new Promise((resolve) => setTimeout(resolve, READY_AFTER_MS * 20));
      expect(clusterReady(model)).toBe(false);
      release();
      await eventually(async () => expect(clusterReady(model)).toBe(true));
    } finally {
      model.stop();
    }
  });
});
