// The simulated cluster's Kubernetes side (scenario option `kubernetes: true`): the real
// kube-apiserver with its etcd, listening where the machine configs say the control plane is
// (https://<first control plane>:6443) with the cluster's own Kubernetes CA — so the kubeconfig the
// Talos API hands out (talosctl kubeconfig) reaches it — plus simulated kubelets and controllers
// that keep Nodes, mirror pods and the bootstrap workloads in step with the Talos side. Loaded
// only for Kubernetes scenarios (index.ts imports it on demand).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SimCluster, SimNode } from "../cluster.js";
import type { CertificateAuthority } from "../pki.js";
import { CONTROL_PLANE_PORT } from "../provision.js";
import { KINDS, stampedResources, viewOf } from "../resources.js";
import { componentImage, CONTROL_PLANE_PODS } from "../resources/k8s.js";
import { configVersion } from "../resources/k8s-controlplane.js";
import { serviceStates } from "../services.js";
import { startApiServer, type ApiServer } from "./apiserver.js";
import { KubeApiError, type KubeClient } from "../../kubernetes/client.js";
import { SimControllers } from "./controllers.js";
import { SimKubelets, type KubeletView } from "./kubelets.js";
import type { KubeManifest } from "./manifests.js";

export interface SimKubernetes {
  /** An admin kubeconfig for the real API server (the same server and CA as talosctl kubeconfig's). */
  kubeconfig: string;
  /** The cluster's Kubernetes version, as its components' images name it (upgrade-k8s moves it). */
  kubernetesVersion: string;
  /** What the API server binary serves on /version (kube-apiserver from scripts/build-k8s). */
  apiServerVersion: string;
  stop(): Promise<void>;
}

/** What the simulated kubelet of `node` sees of its node (static pods carry their config versions). */
async function kubeletView(node: SimNode, cluster: SimCluster): Promise<KubeletView> {
  const version = cluster.scenario.kubernetesVersion;
  const kubelet = serviceStates(node).find((service) => service.id === "kubelet");
  const view = viewOf(node, cluster);
  const controlPlane = node.role === "controlplane" && node.stage !== "maintenance";
  return {
    name: node.name,
    address: node.address,
    role: node.role ?? node.plannedRole,
    kubelet: node.restarting.kubelet === "stopped" ? "restarting" : node.stage === "running" && kubelet?.state === "Running" ? "running" : "down",
    kubeletImage: componentImage(node, "kubelet", version),
    osImage: `Talos (${node.talosVersion})`,
    staticPods: controlPlane
      ? await Promise.all(
          CONTROL_PLANE_PODS.map(async (pod) => ({
            name: pod,
            image: componentImage(node, pod, version),
            configVersion: await configVersion(view, pod),
            command: [`/usr/local/bin/${pod}`, ...(pod === "kube-apiserver" ? [`--advertise-address=${node.address}`, "--secure-port=6443", "--authorization-mode=Node,RBAC"] : ["--leader-elect=true"])],
          })),
        )
      : [],
  };
}

/**
 * Talos's manifest apply at bootstrap: every object of the control plane's Manifests resources is
 * created unless it exists (Talos never updates them afterwards; upgrade-k8s syncs them).
 */
async function applyBootstrapManifests(admin: KubeClient, cluster: SimCluster): Promise<void> {
  const first = cluster.nodes.find((node) => node.role === "controlplane" && node.stage === "running");
  const kind = KINDS.find((candidate) => candidate.type === "Manifests.kubernetes.talos.dev");
  if (!first || !kind) return;
  for (const { spec } of await stampedResources(kind, first, cluster)) {
    for (const object of spec as KubeManifest[]) {
      const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
      const plural = `${object.kind.toLowerCase()}${object.kind.endsWith("s") ? "es" : "s"}`;
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const path = `${base}${object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : ""}/${plural}`;
      await admin.create(path, object).catch((error) => {
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      });
    }
  }
}

export async function startKubernetes(options: { cluster: SimCluster; dir: string; ca: CertificateAuthority }): Promise<SimKubernetes> {
  const { cluster } = options;
  const endpoint = cluster.nodes.find((node) => node.role === "controlplane");
  if (!endpoint) throw new Error("a Kubernetes scenario needs a control plane node");
  const api: ApiServer = await startApiServer({ host: endpoint.address, port: CONTROL_PLANE_PORT, ca: options.ca, clusterName: cluster.scenario.clusterName, parentDir: options.dir });
  const report = (node: string, detail: Record<string, unknown>) => cluster.record({ node, kind: "state-change", detail });
  const kubelets = new SimKubelets(api, () => Promise.all(cluster.nodes.map((node) => kubeletView(node, cluster))), report);
  const controllers = new SimControllers(api.admin, (node) => kubelets.clientOf(node));
  let unsubscribe = () => undefined as void;
  try {
    await kubelets.sync();
    await applyBootstrapManifests(api.admin, cluster);
    await controllers.start();
    // Talos-side changes (a patched config, a kubelet restart, an upgrade, a reset) reach the
    // kubelets, and through the Nodes the controllers.
    unsubscribe = cluster.onStateChange(() => void kubelets.sync().then(() => controllers.sync(), () => undefined));
    const kubeconfig = join(options.dir, "kubeconfig");
    await writeFile(kubeconfig, api.kubeconfig, { mode: 0o600 });
    const served = await api.admin.get<{ gitVersion: string }>("/version");
    report("-", { kubernetes: "api server ready", url: api.url, apiServerVersion: served.gitVersion });
    return {
      kubeconfig,
      kubernetesVersion: cluster.scenario.kubernetesVersion,
      apiServerVersion: served.gitVersion.replace(/^v/, ""),
      async stop() {
        unsubscribe();
        await controllers.stop();
        await kubelets.stop();
        await api.stop();
      },
    };
  } catch (error) {
    unsubscribe();
    await controllers.stop();
    await kubelets.stop();
    await api.stop();
    throw error;
  }
}
