// A stand-in for kube-controller-manager and kube-scheduler in the simulated cluster, reduced to
// what the cluster's own workloads need: DaemonSets get one pod per node, Deployments a ReplicaSet
// and their replicas (on nodes without a NoSchedule taint the pod does not tolerate), and both get
// the status the real controllers write — so a new image (upgrade-k8s syncing kube-proxy) rolls
// out, and rollout waits (observedGeneration, ready counts) finish. The node's simulated kubelet
// then reports each pod running. Pod churn is immediate: there are no containers to wait for.
import { createHash, randomBytes } from "node:crypto";
import type { KubeClient, KubeObject } from "../../kubernetes/client.js";
import { KubeApiError } from "../../kubernetes/client.js";
import { runningPodStatus } from "./kubelets.js";

interface Workload extends KubeObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: { tolerations?: { key?: string; operator?: string; effect?: string }[]; hostNetwork?: boolean; [key: string]: unknown } } };
}

interface NodeObject extends KubeObject {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}

/** The kubelet client of a node, to report pod status with (undefined: no kubelet runs there). */
export type KubeletOf = (node: string) => KubeClient | undefined;

const templateHash = (template: unknown) => createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
const suffix = () => randomBytes(3).toString("hex").slice(0, 5);
const selector = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(",");
const ready = (node: NodeObject) => node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const internalIp = (node: NodeObject) => node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";

function tolerates(template: Workload["spec"]["template"], node: NodeObject): boolean {
  const tolerations = template.spec.tolerations ?? [];
  return (node.spec?.taints ?? [])
    .filter((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute")
    .every((taint) => tolerations.some((t) => (t.operator === "Exists" && !t.key) || (t.key === taint.key && (!t.effect || t.effect === taint.effect))));
}

export class SimControllers {
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private podCount = 0;

  constructor(
    private readonly admin: KubeClient,
    private readonly kubeletOf: KubeletOf,
  ) {}

  /** Reconciles now and after every change to a DaemonSet or Deployment, until stop(). */
  async start(): Promise<void> {
    await this.sync();
    for (const path of ["/apis/apps/v1/daemonsets", "/apis/apps/v1/deployments"]) void this.follow(path);
  }

  /** One reconcile pass at a time; a pass that fails is retried by the next change. */
  sync(): Promise<void> {
    const next = this.queue.then(() => (this.abort.signal.aborted ? undefined : this.reconcile()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.queue;
  }

  private async follow(path: string): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const { metadata } = await this.admin.list(path);
        for await (const _event of this.admin.watch(path, metadata.resourceVersion, this.abort.signal)) void this.sync();
      } catch {
        // The watch ended or failed (the API server stopping, a resourceVersion too old): list again.
      }
      if (!this.abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async reconcile(): Promise<void> {
    const nodes = (await this.admin.list<NodeObject>("/api/v1/nodes")).items.filter(ready);
    for (const ds of (await this.admin.list<Workload>("/apis/apps/v1/daemonsets")).items) await this.daemonSet(ds, nodes);
    for (const deployment of (await this.admin.list<Workload>("/apis/apps/v1/deployments")).items) await this.deployment(deployment, nodes);
  }

  private podsOf(namespace: string, labels: Record<string, string>) {
    return this.admin.list(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector(labels) }).then((list) => list.items);
  }

  /**
   * Creates a pod from `owner`'s template on `node` (owner: kind, as list items carry none) and
   * reports it running through the node's kubelet.
   */
  private async runPod(owner: KubeObject, kind: "DaemonSet" | "ReplicaSet", template: Workload["spec"]["template"], node: NodeObject, labels: Record<string, string>): Promise<void> {
    const namespace = owner.metadata.namespace!;
    const pod = await this.admin.create(`/api/v1/namespaces/${namespace}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${owner.metadata.name}-${suffix()}`, namespace, labels: { ...template.metadata?.labels, ...labels }, ownerReferences: [{ apiVersion: "apps/v1", kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...template.spec, nodeName: node.metadata.name },
    });
    const kubelet = this.kubeletOf(node.metadata.name);
    if (!kubelet) return;
    this.podCount += 1;
    const podIp = template.spec.hostNetwork ? internalIp(node) : `10.244.${(this.podCount >> 8) & 255}.${this.podCount & 255}`;
    await kubelet.patch(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`, { status: runningPodStatus({ address: internalIp(node) }, pod, podIp) }, "strategic");
  }

  /**
   * Writes `status` unless the object already shows it (a status write is itself a change the
   * watches see: writing only differences keeps a pass from triggering the next).
   */
  private async writeStatus(path: string, object: KubeObject, status: Record<string, unknown>): Promise<void> {
    const current = (object.status ?? {}) as Record<string, unknown>;
    if (Object.entries(status).every(([key, value]) => JSON.stringify(current[key]) === JSON.stringify(value))) return;
    await this.admin.replace(`${path}/status`, { ...object, status: { ...current, ...status } });
  }

  private async remove(pod: KubeObject): Promise<void> {
    await this.admin.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { gracePeriodSeconds: 0 }).catch((error) => {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    });
  }

  private async daemonSet(ds: Workload, nodes: NodeObject[]): Promise<void> {
    const hash = templateHash(ds.spec.template);
    const eligible = nodes.filter((node) => tolerates(ds.spec.template, node));
    const pods = (await this.podsOf(ds.metadata.namespace!, ds.spec.selector.matchLabels)).filter((pod) => (pod.metadata.ownerReferences as { uid: string }[] | undefined)?.[0]?.uid === ds.metadata.uid);
    const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;
    for (const pod of pods) {
      const stale = pod.metadata.labels?.["controller-revision-hash"] !== hash || !eligible.some((node) => node.metadata.name === nodeOf(pod));
      if (stale) await this.remove(pod);
    }
    for (const node of eligible) {
      const current = pods.some((pod) => nodeOf(pod) === node.metadata.name && pod.metadata.labels?.["controller-revision-hash"] === hash);
      if (!current) await this.runPod(ds, "DaemonSet", ds.spec.template, node, { "controller-revision-hash": hash, "pod-template-generation": String(ds.metadata.generation ?? 1) });
    }
    const count = eligible.length;
    await this.writeStatus(`/apis/apps/v1/namespaces/${ds.metadata.namespace}/daemonsets/${ds.metadata.name}`, ds, {
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: count,
      currentNumberScheduled: count,
      updatedNumberScheduled: count,
      numberReady: count,
      numberAvailable: count,
      numberMisscheduled: 0,
    });
  }

  private async deployment(deployment: Workload, nodes: NodeObject[]): Promise<void> {
    const namespace = deployment.metadata.namespace!;
    const hash = templateHash(deployment.spec.template);
    const replicas = deployment.spec.replicas ?? 1;
    const replicaSetName = `${deployment.metadata.name}-${hash}`;
    const labels = { ...deployment.spec.selector.matchLabels, "pod-template-hash": hash };
    let replicaSet: KubeObject;
    try {
      replicaSet = await this.admin.get(`/apis/apps/v1/namespaces/${namespace}/replicasets/${replicaSetName}`);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      replicaSet = await this.admin.create(`/apis/apps/v1/namespaces/${namespace}/replicasets`, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: replicaSetName, namespace, labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true }] },
        spec: { replicas, selector: { matchLabels: labels }, template: { ...deployment.spec.template, metadata: { ...deployment.spec.template.metadata, labels: { ...deployment.spec.template.metadata?.labels, "pod-template-hash": hash } } } },
      });
    }
    const pods = await this.podsOf(namespace, deployment.spec.selector.matchLabels);
    const current = pods.filter((pod) => pod.metadata.labels?.["pod-template-hash"] === hash);
    for (const pod of [...pods.filter((pod) => pod.metadata.labels?.["pod-template-hash"] !== hash), ...current.slice(replicas)]) await this.remove(pod);
    // The scheduler's spreading, simplified: nodes without taints first (workers before control planes).
    const eligible = nodes.filter((node) => tolerates(deployment.spec.template, node)).sort((a, b) => (a.spec?.taints?.length ?? 0) - (b.spec?.taints?.length ?? 0));
    for (let index = current.length; index < replicas && eligible.length > 0; index++) await this.runPod(replicaSet, "ReplicaSet", deployment.spec.template, eligible[index % eligible.length]!, { "pod-template-hash": hash });
    const running = eligible.length > 0 ? replicas : Math.min(replicas, current.length);
    const counts = { replicas: running, readyReplicas: running, availableReplicas: running };
    await this.writeStatus(`/apis/apps/v1/namespaces/${namespace}/replicasets/${replicaSetName}`, replicaSet, { ...counts, fullyLabeledReplicas: running, observedGeneration: replicaSet.metadata.generation });
    const available = deployment.status ? {} : { conditions: [{ type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }] };
    await this.writeStatus(`/apis/apps/v1/namespaces/${namespace}/deployments/${deployment.metadata.name}`, deployment, { ...counts, updatedReplicas: running, observedGeneration: deployment.metadata.generation, ...available });
  }
}
