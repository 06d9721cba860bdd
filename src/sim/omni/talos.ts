// The Talos API of Omni-managed clusters, reached through the Omni endpoint as with an
// Omni-generated talosconfig: talosctl marks such calls with `runtime: Talos`, names the cluster
// in `context` and the nodes in `nodes`/`node`. Like Omni's Talos backend, the proxy picks the
// Talos role itself — os:reader for accounts without modify rights, otherwise os:operator, and
// os:admin only for the few maintenance calls Omni allows (reference §4) — so machine-config writes
// (apply, bootstrap, upgrade, reset, kubeconfig) are refused at the API. Each cluster's Talos side is
// its ready machines as running Talos nodes (the Talos simulator's own node model), rebuilt when
// the machines or versions change.
import type { EventLog } from "../events.js";
import { SimCluster, type SimNode } from "../cluster.js";
import { generateCa } from "../pki.js";
import type { LoadedApi } from "../protos.js";
import { configureNodes } from "../provision.js";
import type { Scenario } from "../scenario.js";
import { SimApi } from "../server.js";
import { CLUSTER_MACHINE_STAGE, L, T, type OmniModel } from "./model.js";
import type { OmniRole } from "./server.js";

/** Methods Omni's Talos backend runs as os:admin for accounts with modify rights (Talos ≥ 1.12). */
const ADMIN_VIA_OMNI = /^\/(storage\.StorageService\/BlockDeviceWipe|machine\.MachineService\/(EtcdDowngrade\w*|EtcdForfeitLeadership|MetaWrite|MetaDelete|Copy|Read))$/;

export function talosRolesViaOmni(role: OmniRole, method: string): string[] {
  if (role === "Reader") return ["os:reader"];
  return ADMIN_VIA_OMNI.test(method) ? ["os:admin"] : ["os:operator"];
}

export interface TalosSide {
  api: SimApi;
  cluster: SimCluster;
  /** The node that answers when a call names none (Omni picks a control plane). */
  endpoint: SimNode;
}

export class OmniTalosProxy {
  private readonly built = new Map<string, { key: string; side: Promise<TalosSide> }>();

  constructor(
    private readonly model: OmniModel,
    private readonly talosApi: LoadedApi,
    private readonly log: EventLog,
  ) {}

  /** The Talos side of Omni cluster `name`, or undefined when no control plane is installed yet. */
  async clusterFor(name: string): Promise<TalosSide | undefined> {
    const scenario = this.scenarioOf(name);
    if (!scenario) return undefined;
    const key = JSON.stringify(scenario);
    const cached = this.built.get(name);
    if (cached?.key === key) return cached.side;
    const side = this.build(scenario);
    this.built.set(name, { key, side });
    return side;
  }

  /** Stops what the clusters' nodes have scheduled (reboots in progress). */
  async stop(): Promise<void> {
    const sides = await Promise.all([...this.built.values()].map((entry) => entry.side));
    for (const side of sides) side.cluster.stopTimers();
    this.built.clear();
  }

  /** Node names in a call (machine UUIDs, hostnames or addresses) → the Talos node addresses. */
  resolveNode(value: string): string {
    const machine = this.model.machines.find((m) => m.id === value.toLowerCase());
    return machine ? machine.ipv4 : value;
  }

  private scenarioOf(name: string): Scenario | undefined {
    const cluster = this.model.state.find("default", T.cluster, name);
    if (!cluster || cluster.metadata.phase !== "running") return undefined;
    // Installed, connected machines answer: running ones, and ones rolling out a change (stage
    // UPGRADING); machines still booting or installing, or cut off from Omni, do not.
    const ready = this.model.state
      .list("default", T.clusterMachineStatus, { labelQueries: [[{ key: L.cluster, op: "EQUAL", value: [name] }]] })
      .filter((status) => status.spec.stage === CLUSTER_MACHINE_STAGE.RUNNING || status.spec.stage === CLUSTER_MACHINE_STAGE.UPGRADING);
    const nodes = ready
      .map((status) => ({ status, machine: this.model.machines.find((m) => m.id === status.metadata.id) }))
      .filter((entry) => entry.machine?.connected)
      .map(({ status, machine }) => ({ name: machine!.name, address: machine!.ipv4, role: (L.controlPlane in status.metadata.labels ? "controlplane" : "worker") as "controlplane" | "worker" }))
      .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === "controlplane" ? -1 : 1));
    if (!nodes.some((node) => node.role === "controlplane")) return undefined;
    return {
      name,
      description: `Omni cluster ${name}`,
      talosVersion: `v${String(cluster.spec.talos_version ?? "").replace(/^v/, "")}`,
      kubernetesVersion: String(cluster.spec.kubernetes_version ?? ""),
      clusterName: name,
      stage: "running",
      omniManaged: true,
      extensions: [],
      kubespan: false,
      kubernetes: false,
      joinDelayMs: 0,
      nodes,
    };
  }

  private async build(scenario: Scenario): Promise<TalosSide> {
    const cluster = new SimCluster(scenario, this.log);
    configureNodes(cluster, scenario, await generateCa(), await generateCa("kubernetes", "ECDSA-P256"));
    return { api: new SimApi(cluster, this.talosApi), cluster, endpoint: cluster.nodes.find((node) => node.role === "controlplane")! };
  }
}
