// What the simulated Omni holds and does: registered machines, the resources users write
// (clusters, machine sets, machine set nodes, config patches — through omnictl's cluster
// templates), and a small stand-in for Omni's controllers that turns them into the status
// resources `cluster template status` watches. A machine becomes ready `readyAfterMs` after it is
// allocated or its cluster's spec changes, so waiting for a cluster has something to wait for.
// Tearing a cluster down releases its machines, removes what Omni's controllers made, and then
// drops the controller finalizer so omnictl can destroy it, as on a real instance.
import { PINNED } from "../../backends/versions.js";
import { EMPTY_SCHEMATIC_ID } from "../../factory/schematic.js";
import type { Spec } from "./codec.js";
import { machineUuid, type OmniScenario } from "./scenario.js";
import { CosiState, type StateEvent, type StoredResource } from "./state.js";

export const T = {
  cluster: "Clusters.omni.sidero.dev",
  clusterStatus: "ClusterStatuses.omni.sidero.dev",
  machineSet: "MachineSets.omni.sidero.dev",
  machineSetNode: "MachineSetNodes.omni.sidero.dev",
  machineSetStatus: "MachineSetStatuses.omni.sidero.dev",
  clusterMachine: "ClusterMachines.omni.sidero.dev",
  clusterMachineStatus: "ClusterMachineStatuses.omni.sidero.dev",
  machine: "Machines.omni.sidero.dev",
  machineStatus: "MachineStatuses.omni.sidero.dev",
  machineLabels: "MachineLabels.omni.sidero.dev",
  sysVersion: "SysVersions.system.sidero.dev",
  configPatch: "ConfigPatches.omni.sidero.dev",
  extensionsConfiguration: "ExtensionsConfigurations.omni.sidero.dev",
  kubernetesManifestGroup: "KubernetesManifestGroups.omni.sidero.dev",
  kernelArgs: "KernelArgs.omni.sidero.dev",
} as const;

export const L = {
  cluster: "omni.sidero.dev/cluster",
  machineSet: "omni.sidero.dev/machine-set",
  controlPlane: "omni.sidero.dev/role-controlplane",
  worker: "omni.sidero.dev/role-worker",
  available: "omni.sidero.dev/available",
  connected: "omni.sidero.dev/connected",
  disconnected: "omni.sidero.dev/disconnected",
  readyToUse: "omni.sidero.dev/ready-to-use",
  hostname: "omni.sidero.dev/hostname",
  nodeName: "omni.sidero.dev/node-name",
  platform: "omni.sidero.dev/platform",
  arch: "omni.sidero.dev/arch",
  managedByTemplates: "omni.sidero.dev/managed-by-cluster-templates",
} as const;

const NS = "default";
const CLUSTER_FINALIZER = "ClusterController";
/** Resources users own that belong to a cluster and go with it (cascade on cluster destroy). */
const CLUSTER_USER_TYPES = [T.machineSetNode, T.machineSet, T.configPatch, T.extensionsConfiguration, T.kubernetesManifestGroup];
/** Resources the simulated controllers make for a cluster. */
const CLUSTER_STATUS_TYPES = [T.clusterMachineStatus, T.clusterMachine, T.machineSetStatus, T.clusterStatus];

// Enum values of the Omni specs (client/api/omni/specs/omni.proto).
const CLUSTER_PHASE = { SCALING_UP: 1, RUNNING: 3 };
const MACHINE_SET_PHASE = { ScalingUp: 1, Running: 3, Upgrading: 7 };
export const CLUSTER_MACHINE_STAGE = { BOOTING: 1, INSTALLING: 2, RUNNING: 4, UPGRADING: 6 };
const MACHINE_ROLE = { NONE: 0, CONTROL_PLANE: 1, WORKER: 2 };

export interface OmniClusterState {
  name: string;
  talosVersion: string;
  kubernetesVersion: string;
  /** Machine names. */
  controlPlanes: string[];
  workers: string[];
  /** Config patch ids. */
  patches: string[];
  ready: boolean;
}

export interface OmniMachine {
  id: string;
  name: string;
  talosVersion: string;
  labels: Record<string, string>;
  /** Management (SideroLink) address. */
  address: string;
  /** The address its network interface reports (what talosctl names through Omni). */
  ipv4: string;
  /** Whether its SideroLink tunnel is up (a scenario fault when not). */
  connected: boolean;
}

export class OmniModel {
  readonly state = new CosiState();
  readonly machines: OmniMachine[];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When each allocated machine is (or was) due ready: cluster machine id → epoch ms. */
  private readonly readyAt = new Map<string, number>();
  /** Allocated machines that were ready and are rolling out a cluster spec change. */
  private readonly upgrading = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;
  /** While set, machines that start coming up wait for holdReadiness's release (readyAt Infinity). */
  private held = false;

  constructor(readonly scenario: OmniScenario) {
    this.machines = scenario.omni.machines.map((m, i) => ({
      id: machineUuid(m),
      name: m.name,
      talosVersion: m.talosVersion,
      labels: m.labels,
      address: `fdae:41e4:649b:9303::${(i + 2).toString(16)}`,
      ipv4: `172.20.0.${i + 2}`,
      connected: m.connected,
    }));
    this.seed();
    for (const type of [T.cluster, T.machineSet, T.machineSetNode]) {
      this.unsubscribe.push(this.state.watchKind(NS, type, {}, false, (event) => this.onUserChange(event)));
    }
  }

  get readyAfterMs(): number {
    return this.scenario.omni.readyAfterMs;
  }

  /**
   * From now on, machines that start coming up (allocated, or rolling out a spec change) stay
   * not ready until the returned release is called; then they come up `readyAfterMs` later. A
   * test sees a cluster that is still coming up however slowly its own commands run.
   */
  holdReadiness(): () => void {
    this.held = true;
    return () => {
      if (!this.held) return;
      this.held = false;
      for (const [id, at] of this.readyAt) if (at === Infinity) this.readyAt.set(id, Date.now() + this.readyAfterMs);
      for (const cluster of this.state.list(NS, T.cluster)) this.schedule(() => this.reconcile(cluster.metadata.id), 0);
    };
  }

  /** A machine starts coming up now: ready after readyAfterMs, or once released when held. */
  private comeUp(id: string): void {
    this.readyAt.set(id, this.held ? Infinity : Date.now() + this.readyAfterMs);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const off of this.unsubscribe) off();
  }

  private seed(): void {
    const version = PINNED.omnictl;
    this.state.create({ metadata: { namespace: "ephemeral", type: T.sysVersion, id: "current" }, spec: { backend_version: version, instance_name: this.scenario.omni.instanceName, backend_api_version: 2 } }, "SysVersionController");
    for (const machine of this.machines) {
      this.state.create({ metadata: { namespace: NS, type: T.machine, id: machine.id }, spec: { management_address: machine.address, connected: machine.connected } }, "MachineController");
      this.state.create({ metadata: { namespace: NS, type: T.machineLabels, id: machine.id, labels: { ...machine.labels } }, spec: {} });
      this.state.create({ metadata: { namespace: NS, type: T.machineStatus, id: machine.id, labels: this.machineStatusLabels(machine) }, spec: this.machineStatusSpec(machine) }, "MachineStatusController");
    }
    // Clusters of the scenario exist as a template sync would have made them, already ready.
    for (const cluster of this.scenario.omni.clusters) {
      this.state.create({
        metadata: { namespace: NS, type: T.cluster, id: cluster.name, finalizers: [CLUSTER_FINALIZER], annotations: { [L.managedByTemplates]: "" } },
        spec: { kubernetes_version: cluster.kubernetesVersion, talos_version: cluster.talosVersion.replace(/^v/, ""), features: {} },
      });
      for (const [suffix, role, names] of [["control-planes", L.controlPlane, cluster.controlPlanes], ["workers", L.worker, cluster.workers]] as const) {
        const setId = `${cluster.name}-${suffix}`;
        this.state.create({ metadata: { namespace: NS, type: T.machineSet, id: setId, labels: { [L.cluster]: cluster.name, [role]: "" } }, spec: { update_strategy: 1 } });
        for (const name of names) {
          const id = this.machines.find((m) => m.name === name)!.id;
          this.state.create({ metadata: { namespace: NS, type: T.machineSetNode, id, labels: { [L.cluster]: cluster.name, [L.machineSet]: setId, [role]: "" } }, spec: {} });
          this.readyAt.set(id, 0);
        }
      }
      this.reconcile(cluster.name);
    }
  }

  private machineStatusLabels(machine: OmniMachine, cluster?: string): Record<string, string> {
    return {
      ...machine.labels,
      ...(machine.connected ? { [L.connected]: "", [L.readyToUse]: "" } : { [L.disconnected]: "" }),
      [L.hostname]: machine.name,
      [L.platform]: "metal",
      [L.arch]: "amd64",
      ...(cluster ? { [L.cluster]: cluster } : { [L.available]: "" }),
    };
  }

  private machineStatusSpec(machine: OmniMachine, cluster?: { name: string; controlPlane: boolean }): Spec {
    return {
      talos_version: machine.talosVersion,
      initial_talos_version: machine.talosVersion,
      hardware: { arch: "amd64" },
      network: { hostname: machine.name, addresses: [`${machine.ipv4}/24`, `${machine.address}/64`] },
      management_address: machine.address,
      connected: machine.connected,
      maintenance: !cluster,
      cluster: cluster?.name ?? "",
      role: cluster ? (cluster.controlPlane ? MACHINE_ROLE.CONTROL_PLANE : MACHINE_ROLE.WORKER) : MACHINE_ROLE.NONE,
      platform_metadata: { platform: "metal", hostname: machine.name },
      // The empty schematic (no extensions): what a stock Talos image reports.
      schematic: { id: EMPTY_SCHEMATIC_ID, full_id: EMPTY_SCHEMATIC_ID },
    };
  }

  // ----- the controllers --------------------------------------------------------------------------

  private onUserChange(event: StateEvent): void {
    const md = event.resource.metadata;
    if (md.owner !== "") return;
    const cluster = md.type === T.cluster ? md.id : md.labels[L.cluster];
    if (md.type === T.cluster && event.type === "created") {
      this.state.modify(NS, T.cluster, md.id, (r) => void (r.metadata.finalizers.includes(CLUSTER_FINALIZER) || r.metadata.finalizers.push(CLUSTER_FINALIZER)));
    }
    if (md.type === T.cluster && event.type === "updated" && event.old && JSON.stringify(event.old.spec) !== JSON.stringify(event.resource.spec)) {
      // A spec change (versions, features) rolls through every machine of the cluster again.
      for (const node of this.state.list(NS, T.machineSetNode, { labelQueries: [[{ key: L.cluster, op: "EQUAL", value: [md.id] }]] })) {
        this.comeUp(node.metadata.id);
        this.upgrading.add(node.metadata.id);
      }
    }
    if (md.type === T.machineSetNode && event.type === "created") this.comeUp(md.id);
    if (md.type === T.machineSet && event.type === "destroyed") {
      // Omni removes the nodes of a machine set that is gone.
      for (const node of this.state.list(NS, T.machineSetNode, { labelQueries: [[{ key: L.machineSet, op: "EQUAL", value: [md.id] }]] })) this.destroyQuietly(node);
    }
    if (md.type === T.cluster && event.type === "destroyed") {
      for (const type of CLUSTER_USER_TYPES) for (const r of this.state.list(NS, type, { labelQueries: [[{ key: L.cluster, op: "EQUAL", value: [md.id] }]] })) this.destroyQuietly(r);
    }
    if (cluster) this.schedule(() => this.reconcile(cluster), 0);
  }

  private schedule(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private destroyQuietly(r: StoredResource): void {
    const md = r.metadata;
    if (!this.state.find(md.namespace, md.type, md.id)) return;
    if (md.finalizers.length) this.state.modify(md.namespace, md.type, md.id, (x) => void (x.metadata.finalizers = []));
    this.state.destroy(md.namespace, md.type, md.id, md.owner);
  }

  /** Brings the status resources of one cluster in line with what users asked for. */
  reconcile(clusterName: string): void {
    const byCluster = { labelQueries: [[{ key: L.cluster, op: "EQUAL" as const, value: [clusterName] }]] };
    const cluster = this.state.find(NS, T.cluster, clusterName);
    const nodes = cluster && cluster.metadata.phase === "running" ? this.state.list(NS, T.machineSetNode, byCluster) : [];
    const sets = cluster && cluster.metadata.phase === "running" ? this.state.list(NS, T.machineSet, byCluster) : [];
    const now = Date.now();

    // Machines: allocated ones carry the cluster; released ones are available again.
    const allocated = new Map(nodes.map((n) => [n.metadata.id, n]));
    for (const machine of this.machines) {
      const status = this.state.find(NS, T.machineStatus, machine.id)!;
      const node = allocated.get(machine.id);
      const inThisCluster = status.spec.cluster === clusterName;
      if (!node && !inThisCluster) continue;
      const target = node ? { name: clusterName, controlPlane: L.controlPlane in node.metadata.labels } : undefined;
      const spec = this.machineStatusSpec(machine, target);
      if (JSON.stringify(spec) !== JSON.stringify(status.spec)) {
        this.state.modify(NS, T.machineStatus, machine.id, (r) => {
          r.spec = spec;
          r.metadata.labels = this.machineStatusLabels(machine, target?.name);
        });
      }
    }

    // Per allocated machine: ClusterMachine + ClusterMachineStatus.
    // A machine set node naming a machine Omni has never seen waits forever, as on a real Omni.
    // A disconnected machine is never ready either.
    const connected = (id: string) => this.machines.some((m) => m.id === id && m.connected);
    const ready = (id: string) => connected(id) && (this.readyAt.get(id) ?? Infinity) <= now;
    for (const node of nodes) {
      const id = node.metadata.id;
      const labels = { ...node.metadata.labels };
      this.upsert(T.clusterMachine, id, labels, { kubernetes_version: cluster!.spec.kubernetes_version }, "MachineSetStatusController");
      const machine = this.machines.find((m) => m.id === id);
      if (ready(id)) this.upgrading.delete(id);
      const booting = this.readyAt.get(id)! - now > this.readyAfterMs / 2;
      // A machine cut off after it came up stays RUNNING as Omni last saw it, but not ready.
      const installed = (this.readyAt.get(id) ?? Infinity) <= now;
      const stage = ready(id) || installed ? CLUSTER_MACHINE_STAGE.RUNNING : this.upgrading.has(id) ? CLUSTER_MACHINE_STAGE.UPGRADING : booting ? CLUSTER_MACHINE_STAGE.BOOTING : CLUSTER_MACHINE_STAGE.INSTALLING;
      this.upsert(T.clusterMachineStatus, id, { ...labels, ...(machine ? { [L.nodeName]: machine.name } : {}), ...(connected(id) ? { [L.connected]: "" } : {}) }, { ready: ready(id), stage, config_up_to_date: ready(id), management_address: machine?.address ?? "", config_apply_status: ready(id) ? 2 : 1 }, "ClusterMachineStatusController");
    }

    // Per machine set: MachineSetStatus.
    for (const set of sets) {
      const members = nodes.filter((n) => n.metadata.labels[L.machineSet] === set.metadata.id);
      const healthy = members.filter((n) => ready(n.metadata.id)).length;
      const allReady = healthy === members.length;
      this.upsert(
        T.machineSetStatus,
        set.metadata.id,
        { ...set.metadata.labels },
        { phase: allReady ? MACHINE_SET_PHASE.Running : members.some((n) => this.upgrading.has(n.metadata.id)) ? MACHINE_SET_PHASE.Upgrading : MACHINE_SET_PHASE.ScalingUp, ready: allReady, machines: { total: members.length, healthy, connected: members.filter((n) => connected(n.metadata.id)).length, requested: members.length }, config_hash: "" },
        "MachineSetStatusController",
      );
    }

    // Remove what belongs to machines and sets that are gone (or to a cluster that is going).
    for (const type of CLUSTER_STATUS_TYPES) {
      for (const r of this.state.list(NS, type, byCluster)) {
        const stillWanted =
          type === T.clusterStatus ? cluster?.metadata.phase === "running" : type === T.machineSetStatus ? sets.some((s) => s.metadata.id === r.metadata.id) : allocated.has(r.metadata.id);
        if (!stillWanted) this.destroyQuietly(r);
      }
    }
    for (const id of [...this.readyAt.keys()]) {
      if (!allocated.has(id) && !this.state.find(NS, T.machineSetNode, id)) {
        this.readyAt.delete(id);
        this.upgrading.delete(id);
      }
    }

    if (!cluster) return;
    if (cluster.metadata.phase === "tearingDown") {
      // Everything of the cluster is released above; after a moment the controller lets go.
      this.schedule(() => {
        for (const type of CLUSTER_USER_TYPES) for (const r of this.state.list(NS, type, byCluster)) if (r.metadata.owner === "") this.destroyQuietly(r);
        this.state.modify(NS, T.cluster, clusterName, (r) => void (r.metadata.finalizers = r.metadata.finalizers.filter((f) => f !== CLUSTER_FINALIZER)));
      }, Math.min(this.readyAfterMs, 500));
      return;
    }

    const total = nodes.length;
    const healthy = nodes.filter((n) => ready(n.metadata.id)).length;
    const controlPlanes = nodes.filter((n) => L.controlPlane in n.metadata.labels);
    const controlPlanesReady = controlPlanes.length > 0 && controlPlanes.every((n) => ready(n.metadata.id));
    const allReady = total > 0 && healthy === total;
    this.upsert(
      T.clusterStatus,
      clusterName,
      {},
      {
        available: controlPlanesReady,
        machines: { total, healthy, connected: nodes.filter((n) => connected(n.metadata.id)).length, requested: total },
        phase: allReady ? CLUSTER_PHASE.RUNNING : CLUSTER_PHASE.SCALING_UP,
        ready: allReady,
        kubernetesAPIReady: controlPlanesReady,
        controlplaneReady: controlPlanesReady,
        has_connected_control_planes: controlPlanes.some((n) => connected(n.metadata.id)),
        talos_version: cluster.spec.talos_version,
        kubernetes_version: cluster.spec.kubernetes_version,
      },
      "ClusterStatusController",
    );
    const pending = [...allocated.keys()].filter(connected).map((id) => this.readyAt.get(id) ?? 0).filter((at) => at > now && at !== Infinity);
    if (pending.length) this.schedule(() => this.reconcile(clusterName), Math.min(...pending) - now + 5);
  }

  /** Controller steps still scheduled (machines becoming ready). */
  get pendingTransitions(): number {
    return this.timers.size;
  }

  /** What Omni holds now, for harnesses: each cluster's versions, members by role, patches and readiness. */
  describe(): OmniClusterState[] {
    const nameOf = (id: string) => this.machines.find((m) => m.id === id)?.name ?? id;
    return this.state.list(NS, T.cluster).map((cluster) => {
      const byCluster = { labelQueries: [[{ key: L.cluster, op: "EQUAL" as const, value: [cluster.metadata.id] }]] };
      const nodes = this.state.list(NS, T.machineSetNode, byCluster);
      const members = (role: string) => nodes.filter((n) => role in n.metadata.labels).map((n) => nameOf(n.metadata.id)).sort();
      return {
        name: cluster.metadata.id,
        talosVersion: `v${String(cluster.spec.talos_version)}`,
        kubernetesVersion: String(cluster.spec.kubernetes_version),
        controlPlanes: members(L.controlPlane),
        workers: members(L.worker),
        patches: this.state.list(NS, T.configPatch, byCluster).map((p) => p.metadata.id).sort(),
        ready: this.state.find(NS, T.clusterStatus, cluster.metadata.id)?.spec.ready === true,
      };
    });
  }

  private upsert(type: string, id: string, labels: Record<string, string>, spec: Spec, owner: string): void {
    const current = this.state.find(NS, type, id);
    if (!current) {
      this.state.create({ metadata: { namespace: NS, type, id, labels }, spec }, owner);
      return;
    }
    if (JSON.stringify(current.spec) === JSON.stringify(spec) && JSON.stringify(current.metadata.labels) === JSON.stringify(labels)) return;
    this.state.modify(NS, type, id, (r) => {
      r.spec = spec;
      r.metadata.labels = labels;
    });
  }
}
