// Contract: every resource type the `get` tool allows answers on every node of every built-in
// running scenario, resolved the way talosctl resolves it (through the ResourceDefinitions), over
// the real gRPC API with the scenario's os:admin certificate; and each answer carries both spec
// forms Talos sends. (One gRPC call per node and type: talosctl would take minutes for this.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { listScenarios, loadScenario } from "../../src/sim/scenario.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { RESOURCE_TYPE_NAMES } from "../../src/talos/resource-types.js";
import { cosiClient } from "../helpers/talos-api.js";

const RUNNING = listScenarios().filter((name) => !name.startsWith("omni-") && loadScenario(name).stage === "running");

/** Types every configured, reachable node has at least one resource of; the rest depend on role or options. */
const ON_EVERY_NODE = ["members", "machinestatus", "machinetype", "services", "nodename", "hostname", "addresses", "links", "routes", "disks", "systemdisk", "mounts", "timestatus", "machineconfig", "osrootsecrets"];
const ON_CONTROL_PLANES = ["staticpodstatus", "etcdrootsecrets", "kubernetesrootsecrets"];

describe.each(RUNNING)("every get-tool type answers on %s", (scenario) => {
  const sims: SimHandle[] = [];
  afterAll(async () => Promise.all(sims.map((sim) => sim.stop())));

  it("on every node, in the real shape", async () => {
    const sim = await startSimulation({ scenario, dir: mkdtempSync(join(tmpdir(), "talos-mcp-sim-coverage-")) });
    sims.push(sim);
    const client = cosiClient(sim.talosconfig, sim.endpoints[0]!);
    try {
      const definitions = await client.list(sim.endpoints[0]!, "meta", "ResourceDefinitions.meta.cosi.dev");
      const resolve = (name: string) =>
        definitions
          .map((rd) => parseYaml(rd.spec.yaml_spec) as { type: string; defaultNamespace: string; allAliases: string[] })
          .filter((rd) => rd.type.toLowerCase() === name || rd.allAliases.includes(name));
      for (const name of RESOURCE_TYPE_NAMES) {
        const matched = resolve(name);
        expect(matched, name).toHaveLength(1);
        const { type, defaultNamespace } = matched[0]!;
        for (const node of sim.nodes) {
          const resources = await client.list(node.address, defaultNamespace, type);
          for (const resource of resources) {
            expect(resource.metadata).toMatchObject({ namespace: defaultNamespace, type });
            expect(resource.spec.yaml_spec.length, `${type} ${resource.metadata.id} on ${node.name}`).toBeGreaterThan(0);
            expect(resource.spec.proto_spec.length, `${type} ${resource.metadata.id} on ${node.name}`).toBeGreaterThan(0);
          }
          const required = ON_EVERY_NODE.includes(name) || (node.role === "controlplane" && ON_CONTROL_PLANES.includes(name));
          if (required) expect(resources.length, `${name} on ${node.name}`).toBeGreaterThan(0);
        }
      }
    } finally {
      client.close();
    }
  });
});
