// The simulated kubelets: each node registers its Node object (with its own client certificate,
// system:node:<name>, so the real Node authorizer and NodeRestriction apply), keeps the Node's
// status (Ready, addresses, kubelet and OS versions) in step with the Talos side, and on control
// planes mirrors the static pods Talos renders (kube-apiserver, kube-controller-manager,
// kube-scheduler). A changed static pod (new image, new config version) is replaced by a new mirror
// pod, as the kubelet does after restarting the container. Labels and taints for the node role are
// set with the admin client, as Talos itself does (a kubelet may not set node-role labels).
import { createHash, randomUUID } from "node:crypto";
import type { ApiServer } from "./apiserver.js";
import { KubeApiError, KubeClient, type KubeObject } from "../../kubernetes/client.js";

export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** What the Kubernetes side sees of one Talos node. */
export interface KubeletView {
  name: string;
  address: string;
  role: "controlplane" | "worker";
  /**
   * running: it posts Ready and its version; restarting: machined is restarting it (it posts
   * nothing meanwhile, the Node stays as it was); down: not running (the Node's Ready turns Unknown).
   */
  kubelet: "running" | "restarting" | "down";
  kubeletImage: string;
  /** e.g. "Talos (v1.12.6)" */
  osImage: string;
  /** Control planes: the static pods Talos renders, with the config version they carry. */
  staticPods: StaticPodView[];
}

export interface StaticPodView {
  name: "kube-apiserver" | "kube-controller-manager" | "kube-scheduler";
  image: string;
  /** talos.dev/config-version: the version of the component's config resource (APIServerConfig, …). */
  configVersion: string;
  command: string[];
}

/** What a kubelet did, for the simulation's event record. */
export type KubeletReport = (node: string, detail: Record<string, unknown>) => void;

/** The version a kubelet image runs: ghcr.io/siderolabs/kubelet:v1.35.3 → v1.35.3 (suffixes like -fat dropped). */
export function kubeletVersionOf(image: string): string {
  const tag = /:(v\d+\.\d+\.\d+)[^:@/]*(@.*)?$/.exec(image)?.[1];
  return tag ?? "v0.0.0";
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const shortHash = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32);

function nodeStatus(view: KubeletView) {
  const since = now();
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: since, lastTransitionTime: since });
  return {
    addresses: [
      { type: "InternalIP", address: view.address },
      { type: "Hostname", address: view.name },
    ],
    conditions: [
      condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      view.kubelet === "running" ? condition("Ready", "True", "KubeletReady", "kubelet is posting ready status") : condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
    ],
    capacity: { cpu: "4", memory: "8148204Ki", pods: "110", "ephemeral-storage": "10218772Ki", "hugepages-2Mi": "0" },
    allocatable: { cpu: "3950m", memory: "7526380Ki", pods: "110", "ephemeral-storage": "9322565849", "hugepages-2Mi": "0" },
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: shortHash(["machine", view.name]),
      systemUUID: randomUUIDFrom(view.name),
      bootID: randomUUID(),
      kernelVersion: "6.18.0-talos",
      osImage: view.osImage,
      containerRuntimeVersion: "containerd://2.1.5",
      kubeletVersion: kubeletVersionOf(view.kubeletImage),
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** A stable UUID-shaped id for a name (machines keep their system UUID across restarts). */
function randomUUIDFrom(name: string): string {
  const hex = shortHash(["uuid", name]);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The mirror pod the kubelet creates for a static pod (name <pod>-<node>, owned by the Node). */
function mirrorPod(view: KubeletView, pod: StaticPodView, nodeUid: string): KubeObject {
  const hash = shortHash([pod.image, pod.configVersion, pod.command]);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${pod.name}-${view.name}`,
      namespace: "kube-system",
      labels: { "k8s-app": pod.name, tier: "control-plane", component: pod.name, "app.kubernetes.io/name": pod.name, "app.kubernetes.io/component": "control-plane", "app.kubernetes.io/managed-by": "Talos" },
      annotations: {
        "talos.dev/config-version": pod.configVersion,
        "talos.dev/secrets-version": "1",
        "kubernetes.io/config.hash": hash,
        "kubernetes.io/config.mirror": hash,
        "kubernetes.io/config.seen": new Date().toISOString(),
        "kubernetes.io/config.source": "http",
      },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: view.name, uid: nodeUid, controller: true }],
    },
    spec: {
      nodeName: view.name,
      hostNetwork: true,
      priorityClassName: "system-cluster-critical",
      containers: [{ name: pod.name, image: pod.image, command: pod.command }],
      tolerations: [{ operator: "Exists", effect: "NoExecute" }],
    },
  };
}

/** Pod status as the kubelet reports a running, ready pod on `view`'s node. */
export function runningPodStatus(view: Pick<KubeletView, "address">, pod: KubeObject, podIp: string): Record<string, unknown> {
  const since = now();
  const containers = ((pod.spec as { containers?: { name: string; image: string }[] })?.containers ?? []).map((container) => ({
    name: container.name,
    image: container.image,
    imageID: `${container.image.replace(/:[^:/]+$/, "")}@sha256:${createHash("sha256").update(container.image).digest("hex")}`,
    containerID: `containerd://${createHash("sha256").update(`${pod.metadata.uid}/${container.name}`).digest("hex")}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: since } },
  }));
  const condition = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: since });
  return {
    phase: "Running",
    conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
    hostIP: view.address,
    hostIPs: [{ ip: view.address }],
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: since,
    containerStatuses: containers,
  };
}

interface Registered {
  client: KubeClient;
  uid: string;
  /** The Node status last written (ready, kubelet and OS versions). */
  statusKey: string;
  /** Per static pod: the hash of what its mirror pod shows. */
  mirrors: Map<string, string>;
}

const ignoreNotFound = (error: unknown) => {
  if (!(error instanceof KubeApiError && error.status === 404)) throw error;
};

export class SimKubelets {
  private readonly nodes = new Map<string, Registered>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly api: ApiServer,
    private readonly views: () => Promise<KubeletView[]>,
    private readonly report: KubeletReport,
  ) {}

  /** Brings the API server in step with the Talos side; calls run one after another. */
  sync(): Promise<void> {
    const next = this.queue.then(() => (this.stopped ? undefined : this.reconcile()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The kubelet client of a registered node (the controllers report pod status through it). */
  clientOf(node: string): KubeClient | undefined {
    return this.nodes.get(node)?.client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await Promise.all([...this.nodes.values()].map((node) => node.client.close()));
    this.nodes.clear();
  }

  private async reconcile(): Promise<void> {
    for (const view of await this.views()) {
      // A node registers once its kubelet runs; a restarting kubelet posts nothing.
      const known = this.nodes.get(view.name);
      if (view.kubelet === "restarting" || (!known && view.kubelet !== "running")) continue;
      const registered = known ?? (await this.register(view));
      await this.updateStatus(view, registered);
      if (view.kubelet === "running") await this.mirrorStaticPods(view, registered);
    }
  }

  private async register(view: KubeletView): Promise<Registered> {
    const client = new KubeClient(await this.api.credentialsFor(`system:node:${view.name}`, ["system:nodes"]));
    const labels = { "kubernetes.io/hostname": view.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64" };
    const node = await client.create("/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: view.name, labels } });
    // Talos labels and taints the node by its role with its own credentials (NodeRestriction
    // forbids the kubelet to set node-role labels).
    const role = view.role === "controlplane" ? { labels: { [CONTROL_PLANE_LABEL]: "", "node.kubernetes.io/exclude-from-external-load-balancers": "" }, taints: [{ key: CONTROL_PLANE_LABEL, effect: "NoSchedule" }] } : { labels: {}, taints: [] };
    await this.api.admin.patch(`/api/v1/nodes/${view.name}`, { metadata: { labels: role.labels }, spec: role.taints.length ? { taints: role.taints } : {} });
    await client.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
      metadata: { name: view.name, ownerReferences: [{ apiVersion: "v1", kind: "Node", name: view.name, uid: node.metadata.uid }] },
      spec: { holderIdentity: view.name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") },
    });
    const registered: Registered = { client, uid: node.metadata.uid!, statusKey: "", mirrors: new Map() };
    this.nodes.set(view.name, registered);
    this.report(view.name, { kubelet: "registered node", role: view.role });
    return registered;
  }

  private async updateStatus(view: KubeletView, registered: Registered): Promise<void> {
    const key = JSON.stringify([view.kubelet, view.address, view.osImage, kubeletVersionOf(view.kubeletImage)]);
    if (key === registered.statusKey) return;
    await registered.client.patch(`/api/v1/nodes/${view.name}/status`, { status: nodeStatus(view) }, "strategic");
    const changed = registered.statusKey !== "";
    registered.statusKey = key;
    this.report(view.name, { kubelet: changed ? "node status changed" : "node ready", ready: view.kubelet === "running", kubeletVersion: kubeletVersionOf(view.kubeletImage), osImage: view.osImage });
  }

  private async mirrorStaticPods(view: KubeletView, registered: Registered): Promise<void> {
    for (const pod of view.staticPods) {
      const desired = mirrorPod(view, pod, registered.uid);
      const hash = desired.metadata.annotations!["kubernetes.io/config.hash"]!;
      if (registered.mirrors.get(pod.name) === hash) continue;
      const path = `/api/v1/namespaces/kube-system/pods/${desired.metadata.name}`;
      const replacing = registered.mirrors.has(pod.name);
      await registered.client.delete(path, { gracePeriodSeconds: 0 }).catch(ignoreNotFound);
      const created = await registered.client.create("/api/v1/namespaces/kube-system/pods", desired);
      await registered.client.patch(`${path}/status`, { status: runningPodStatus(view, created, view.address) }, "strategic");
      registered.mirrors.set(pod.name, hash);
      this.report(view.name, { kubelet: replacing ? "replaced mirror pod" : "created mirror pod", pod: desired.metadata.name, image: pod.image, configVersion: pod.configVersion });
    }
  }
}
