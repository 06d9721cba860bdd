// The simulated machines and their etcd, as plain state with the transitions real Talos goes
// through: maintenance → (apply-config) installed → (bootstrap, or joining a bootstrapped etcd)
// running; reset goes back to maintenance. Every API call and state change is recorded.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { EventLog, type SimEvent } from "./events.js";
import { boltDatabase, etcdKeyValue, revisionKey } from "./bbolt.js";
import type { Scenario, ScenarioNode } from "./scenario.js";
import type { CertificateAuthority } from "./pki.js";
import { ResourceVersions } from "./resource-versions.js";
import { schematicFor } from "./extensions.js";

/** Whether the node's etcd member cannot be healthy (a member that is down or keeps crashing). */
export function etcdFails(node: Pick<SimNode, "faults">): boolean {
  return Boolean(node.faults.etcdDown) || node.faults.crashLoop === "etcd";
}

export type Stage = "maintenance" | "installed" | "running";
export type EtcdState = "none" | "waiting" | "running" | "down";

export interface SimNode {
  name: string;
  /** The address the node is reached at (its Talos API listens there). */
  address: string;
  /** A second address (another interface), as real nodes have: reported, routed by the endpoint, not listened on. */
  secondaryAddress: string;
  /** Cluster identity (Identities.cluster.talos.dev nodeId): random, kept across reboots, new after a wipe. */
  nodeId: string;
  /** SMBIOS system UUID (SystemInformation): the hardware's, never changes. */
  uuid: string;
  /** Declared by the scenario; the applied config decides once installed. */
  plannedRole: "controlplane" | "worker";
  role?: "controlplane" | "worker";
  stage: Stage;
  talosVersion: string;
  clusterName?: string;
  installDisk?: string;
  /** The machine's OS CA (machine.ca) once configured: the Talos API trusts client certs it signed. */
  ca?: CertificateAuthority;
  /** The applied machine config (kept to answer `get machineconfig`). */
  config?: string;
  etcd: EtcdState;
  /** Which etcd cluster the node's data directory belongs to (undefined = empty data dir). */
  etcdCluster?: string;
  etcdMemberId?: string;
  faults: NonNullable<ScenarioNode["faults"]>;
  /** Official extensions in the image the node booted from. */
  extensions: string[];
  /** The schematic id of that image; undefined for a plain (non-factory) installer image. */
  schematic?: string;
  bootedAt: Date;
  dmesg: string[];
  /**
   * Services being restarted by machined, by id: "stopped" (gone from the service list, as
   * machined removes a stopped service's resource) or "starting" (running, health not known yet).
   */
  restarting: Record<string, "stopped" | "starting">;
  /** Images pulled through the API (ImagePull), by containerd namespace ("system", "k8s.io"). */
  pulledImages: Record<string, string[]>;
}

/** How long a restarting service stays gone from the list, then running without a health verdict. */
const SERVICE_RESTART_MS = { stopped: 300, starting: 700 };

/** A node as a harness sees it at the end of a run (SimHandle.state()). */
export interface SimNodeState {
  name: string;
  address: string;
  role: "controlplane" | "worker";
  stage: Stage;
  talosVersion: string;
  clusterName?: string;
  etcd: EtcdState;
  /** The etcd cluster its data directory belongs to (one id per bootstrap): two ids = a split. */
  etcdCluster?: string;
}

/**
 * A node's second address: the same host part on a private network (127.A.B.L → 10.A.B.L), so it is
 * unique within the simulated cluster and never collides with a loopback listener.
 */
export function secondaryAddressOf(address: string): string {
  const [, ...rest] = address.split(".");
  return ["10", ...rest].join(".");
}

/** A node id in the shape Talos generates (base62, 43 characters). */
function newNodeId(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return [...randomBytes(43)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

export class SimCluster {
  readonly nodes: SimNode[];

  /** Bumped on every etcd write, so snapshots change with state and only with state. */
  etcdRevision = 1;
  /** Pending delayed transitions (joins, "reboots" after apply/reset); cleared on stop. */
  private timers = new Set<NodeJS.Timeout>();
  /** Called when a node's TLS identity changes (apply, reset): its server must restart. */
  onIdentityChange: (node: SimNode) => Promise<void> = async () => undefined;
  /** COSI resource versions of every node (what COSI reads and watches report). */
  readonly versions = new ResourceVersions();
  private readonly changeListeners = new Set<(node: SimNode) => void>();

  /** `log`: where calls and state changes are recorded (the simulated Omni shares its own). */
  constructor(
    readonly scenario: Scenario,
    private readonly log = new EventLog(),
  ) {
    this.nodes = scenario.nodes.map((n) => {
      const installed = scenario.extensions.filter((name) => !n.faults?.missingExtensions?.includes(name));
      return {
        name: n.name,
        address: n.address,
        secondaryAddress: secondaryAddressOf(n.address),
        nodeId: newNodeId(),
        uuid: randomUUID(),
        plannedRole: n.role,
        stage: "maintenance",
        talosVersion: scenario.talosVersion,
        etcd: "none",
        faults: n.faults ?? {},
        extensions: installed,
        schematic: scenario.extensions.length > 0 ? schematicFor(installed) : undefined,
        bootedAt: new Date(),
        dmesg: [],
        restarting: {},
        pulledImages: {},
      };
    });
    for (const node of this.nodes) this.bootLog(node);
  }

  /**
   * The kernel and machined lines of a node's boot (its faults show there), stamped from its boot
   * time; a node whose boot time moves (a cluster that has been up a while) logs them again.
   */
  bootLog(node: SimNode): void {
    node.dmesg = [];
    const at = (ms: number) => new Date(node.bootedAt.getTime() + ms);
    const version = this.scenario.talosVersion;
    this.kernelLog(node, `Linux version 6.18.0-talos, Talos ${version}`, at(1));
    if (node.faults.linkDown) this.kernelLog(node, `virtio_net virtio2 ${node.faults.linkDown}: Link is Down`, at(2_310));
    if (node.faults.missingExtensions) {
      this.talosLog(node, `upgrade to Talos ${version} complete from factory.talos.dev/metal-installer/${node.schematic}:${version}; extensions: [${node.extensions.join(", ")}]`, at(3_020));
    }
    if (node.faults.timeNotSynced) {
      this.talosLog(node, `time query error with server "time.cloudflare.com" {"component": "controller-runtime", "controller": "time.SyncController", "error": "read udp ${node.address}:41205->162.159.200.1:123: i/o timeout"}`, at(5_100));
    }
    if (node.faults.ephemeralFull) this.kernelLog(node, "XFS (sda4): metadata I/O error in \"xfs_buf_ioend+0x1e0/0x4e0\" at daddr 0x1d0 len 8 error 28", new Date());
  }

  /** What a node's deterministic facts (serials, MACs, ids) are derived from. */
  get key(): string {
    return this.scenario.name;
  }

  describe(): SimNodeState[] {
    return this.nodes.map((node) => ({
      name: node.name,
      address: node.address,
      role: node.role ?? node.plannedRole,
      stage: node.stage,
      talosVersion: node.talosVersion,
      clusterName: node.clusterName,
      etcd: node.etcd,
      etcdCluster: node.etcdCluster,
    }));
  }

  /** The node a target names: its address, its second address or its hostname (as apid resolves them). */
  byAddress(address: string): SimNode | undefined {
    return this.nodes.find((node) => node.address === address || node.secondaryAddress === address || node.name === address);
  }

  get events(): SimEvent[] {
    return this.log.events;
  }

  record(event: Omit<SimEvent, "time">): void {
    this.log.record(event);
  }

  onEvent(listener: (event: SimEvent) => void): () => void {
    return this.log.onRecord(listener);
  }

  kernelLog(node: SimNode, line: string, at = new Date()): void {
    const seconds = ((at.getTime() - node.bootedAt.getTime()) / 1000).toFixed(6).padStart(12, " ");
    node.dmesg.push(`kern:    info: [${at.toISOString()}]: [${seconds}] ${line}`);
  }

  /** A line of machined's own log in the kernel ring buffer ("[talos] …"). */
  talosLog(node: SimNode, line: string, at = new Date()): void {
    node.dmesg.push(`user: warning: [${at.toISOString()}]: [talos] ${line}`);
  }

  /** Records a state change, then tells the listeners (COSI watches, the simulated kubelets). */
  changeState(node: SimNode, detail: Record<string, unknown>): void {
    this.record({ node: node.name, kind: "state-change", detail });
    for (const listener of this.changeListeners) listener(node);
  }

  /**
   * machined restarting a service: it is gone from the service list (its resource destroyed), then
   * running without a health verdict, then healthy again — each step a state change.
   */
  restartService(node: SimNode, id: string): void {
    node.restarting[id] = "stopped";
    this.changeState(node, { service: id, restart: "stopped" });
    this.later(SERVICE_RESTART_MS.stopped, () => {
      node.restarting[id] = "starting";
      this.changeState(node, { service: id, restart: "starting" });
      this.later(SERVICE_RESTART_MS.starting, () => {
        delete node.restarting[id];
        this.changeState(node, { service: id, restart: "healthy" });
      });
    });
  }

  /** Calls `listener` after every state change; returns the function that stops it. */
  onStateChange(listener: (node: SimNode) => void): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  /** Nodes configured for the same cluster (same name and CA) as `node`. */
  peersOf(node: SimNode): SimNode[] {
    return this.nodes.filter((other) => other.clusterName === node.clusterName && other.ca?.certPem === node.ca?.certPem && other.stage !== "maintenance");
  }

  /** apply-config in maintenance mode: adopt the config and "reboot" into it. */
  async install(node: SimNode, facts: { role: "controlplane" | "worker"; clusterName: string; installDisk: string; ca: CertificateAuthority; config: string; schematic?: string; extensions: string[] }): Promise<void> {
    Object.assign(node, { ...facts, stage: "installed" as Stage, bootedAt: new Date(), dmesg: [] });
    node.etcd = facts.role === "controlplane" ? "waiting" : "none";
    this.kernelLog(node, `installed Talos ${node.talosVersion} to ${facts.installDisk}; booting as ${facts.role} of cluster ${facts.clusterName}`);
    this.changeState(node, { stage: "installed", role: facts.role, cluster: facts.clusterName });
    await this.onIdentityChange(node);
    this.scheduleJoin(node);
  }

  /** Bootstrap: start a NEW etcd cluster on this node (real Talos checks only this node). */
  bootstrap(node: SimNode, recoveredFrom?: string): void {
    const clusterId = randomBytes(8).toString("hex");
    node.etcdCluster = clusterId;
    node.etcdMemberId = randomBytes(6).toString("hex");
    node.etcd = etcdFails(node) ? "down" : "running";
    node.stage = "running";
    this.etcdRevision += 1;
    this.kernelLog(node, recoveredFrom ? `etcd recovered from snapshot ${recoveredFrom}` : "etcd bootstrapped: new cluster");
    this.changeState(node, { etcd: node.etcd, etcdCluster: clusterId, bootstrapped: true, recoveredFrom });
    for (const peer of this.peersOf(node)) if (peer !== node) this.scheduleJoin(peer);
  }

  /** A waiting control plane joins the bootstrapped etcd of its cluster after a short delay. */
  scheduleJoin(node: SimNode): void {
    if (node.role !== "controlplane" || node.etcd !== "waiting") return;
    this.later(this.scenario.joinDelayMs, () => {
      const running = this.peersOf(node).find((peer) => peer !== node && peer.etcdCluster && (peer.etcd === "running" || peer.etcd === "down"));
      if (!running || node.etcd !== "waiting" || node.stage === "maintenance") return;
      node.etcdCluster = running.etcdCluster;
      node.etcdMemberId = randomBytes(6).toString("hex");
      node.etcd = etcdFails(node) ? "down" : "running";
      node.stage = "running";
      this.etcdRevision += 1;
      this.kernelLog(node, `etcd joined cluster as member ${node.etcdMemberId}`);
      this.changeState(node, { etcd: node.etcd, etcdCluster: node.etcdCluster, joined: true });
    });
  }

  /** Workers and joined control planes become "running" once their cluster has etcd. */
  settleWorkers(): void {
    for (const node of this.nodes) {
      if (node.role === "worker" && node.stage === "installed" && this.peersOf(node).some((p) => p.etcd === "running")) {
        node.stage = "running";
        this.changeState(node, { stage: "running" });
      }
    }
  }

  etcdMembersOf(clusterId: string | undefined): SimNode[] {
    if (!clusterId) return [];
    return this.nodes.filter((node) => node.etcdCluster === clusterId && node.stage !== "maintenance");
  }

  /** reset: wipe back to maintenance, leaving etcd. */
  async reset(node: SimNode): Promise<void> {
    Object.assign(node, { stage: "maintenance" as Stage, role: undefined, clusterName: undefined, ca: undefined, config: undefined, installDisk: undefined });
    node.etcd = "none";
    node.etcdCluster = undefined;
    node.etcdMemberId = undefined;
    node.nodeId = newNodeId();
    node.bootedAt = new Date();
    node.dmesg = [];
    this.etcdRevision += 1;
    this.kernelLog(node, "booted in maintenance mode: waiting for a machine config");
    this.changeState(node, { stage: "maintenance", reset: true });
    await this.onIdentityChange(node);
  }

  /**
   * A stable snapshot per etcd state (same members and revision → same bytes), in the shape
   * talosctl verifies: a bbolt database followed by its sha256.
   */
  snapshotOf(node: SimNode): Buffer {
    const members = this.etcdMembersOf(node.etcdCluster).map((m) => `${m.etcdMemberId}:${m.name}`).sort();
    const body = boltDatabase({
      key: [
        ...members.map((member, index) => ({ key: revisionKey(index + 1), value: etcdKeyValue(`/sim/members/${member}`, Buffer.from(member), index + 1) })),
        {
          key: revisionKey(this.etcdRevision + members.length),
          value: etcdKeyValue("/sim/cluster", Buffer.from(JSON.stringify({ cluster: node.etcdCluster, members })), this.etcdRevision + members.length),
        },
      ],
      meta: [{ key: Buffer.from("storageVersion"), value: Buffer.from("3.6.0") }],
    });
    return Buffer.concat([body, createHash("sha256").update(body).digest()]);
  }

  /** Runs `transition` after `ms`, unless the simulation stops first. */
  later(ms: number, transition: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      transition();
    }, ms);
    this.timers.add(timer);
  }

  /** Transitions still scheduled (joins, reboots after apply/reset). */
  get pendingTransitions(): number {
    return this.timers.size;
  }

  stopTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
