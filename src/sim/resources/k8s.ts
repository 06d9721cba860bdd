// What Talos knows of the node's Kubernetes side: its node name and IP, the kubelet it runs, and on
// control planes the static pods (kube-apiserver, -controller-manager, -scheduler) and their status
// as the kubelet reports it. Images come from the node's machine config, so a config change (an
// upgrade-k8s patch) shows here.
import { parseAllDocuments } from "yaml";
import type { SimNode } from "../cluster.js";
import { digest } from "../node-facts.js";
import type { NodeView, ResourceKind, Specs } from "../resources.js";
import { serviceStates } from "../services.js";
import { configVersion } from "./k8s-controlplane.js";

const K8S = "talos.resource.definitions.k8s";
export const CONTROL_PLANE_PODS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;
/** The Kubernetes components whose image a machine config sets. */
export type KubernetesComponent = (typeof CONTROL_PLANE_PODS)[number] | "kube-proxy" | "kubelet";
export const KUBERNETES_COMPONENTS: readonly KubernetesComponent[] = ["kubelet", ...CONTROL_PLANE_PODS, "kube-proxy"];
const CLUSTER_KEYS: Record<Exclude<KubernetesComponent, "kubelet">, string> = { "kube-apiserver": "apiServer", "kube-controller-manager": "controllerManager", "kube-scheduler": "scheduler", "kube-proxy": "proxy" };

/** Parsed machine configs by their text: reads parse a node's config many times per call. */
const parsedConfigs = new Map<string, Record<string, any> | undefined>();

/** The v1alpha1 document of the node's machine config (undefined before one is applied). */
export function machineConfigDocument(node: SimNode): Record<string, any> | undefined {
  if (!node.config) return undefined;
  if (!parsedConfigs.has(node.config)) {
    if (parsedConfigs.size >= 64) parsedConfigs.clear();
    const doc = parseAllDocuments(node.config)
      .map((d) => d.toJS() as Record<string, any> | null)
      .find((d) => d?.machine);
    parsedConfigs.set(node.config, doc ?? undefined);
  }
  return parsedConfigs.get(node.config);
}

/** The image a machine config document sets for `component` (machine.kubelet.image, cluster.<component>.image), if any. */
export function configuredImage(config: Record<string, any> | undefined, component: KubernetesComponent): string | undefined {
  const image = component === "kubelet" ? config?.machine?.kubelet?.image : config?.cluster?.[CLUSTER_KEYS[component]]?.image;
  return typeof image === "string" ? image : undefined;
}

/** Image of a Kubernetes component on the node: as its machine config sets it, else the version's default. */
export function componentImage(node: SimNode, component: KubernetesComponent, kubernetesVersion: string): string {
  const fallback = component === "kubelet" ? `ghcr.io/siderolabs/kubelet:v${kubernetesVersion}` : `registry.k8s.io/${component}:v${kubernetesVersion}`;
  return configuredImage(machineConfigDocument(node), component) ?? fallback;
}

const kubeletRunning = (node: SimNode) => node.stage === "running" && serviceStates(node).find((s) => s.id === "kubelet")?.state === "Running";

export interface PodStatus {
  phase: string;
  conditions: { type: string; status: string; lastProbeTime: null; lastTransitionTime: string }[];
  [key: string]: unknown;
}

/** Static pod statuses the kubelet reports (none while the kubelet is not running). */
export function staticPodStatuses({ node, cluster }: NodeView): Record<string, PodStatus> {
  if (node.role !== "controlplane" || !kubeletRunning(node)) return {};
  const since = node.bootedAt.toISOString().replace(/\.\d+Z$/, "Z");
  const condition = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: since });
  return Object.fromEntries(
    CONTROL_PLANE_PODS.map((pod) => {
      const image = componentImage(node, pod, cluster.scenario.kubernetesVersion);
      const status: PodStatus = {
        phase: "Running",
        conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
        hostIP: node.address,
        hostIPs: [{ ip: node.address }],
        podIP: node.address,
        podIPs: [{ ip: node.address }],
        startTime: since,
        containerStatuses: [
          {
            name: pod,
            state: { running: { startedAt: since } },
            lastState: {},
            ready: true,
            restartCount: 0,
            image,
            imageID: `${image.replace(/:[^:/]+$/, "")}@sha256:${digest(image)}`,
            containerID: `containerd://${digest(node.name, pod, image)}`,
            started: true,
          },
        ],
        qosClass: "Burstable",
      };
      return [`kube-system/${pod}-${node.name}`, status];
    }),
  );
}

/** Kubelet arguments Talos renders (the ones an operator looks at), plus machine.kubelet.extraArgs. */
function kubeletArgs(node: SimNode): string[] {
  const extra = machineConfigDocument(node)?.machine?.kubelet?.extraArgs ?? {};
  const args: Record<string, string> = {
    "bootstrap-kubeconfig": "/etc/kubernetes/bootstrap-kubeconfig",
    "cert-dir": "/var/lib/kubelet/pki",
    config: "/etc/kubernetes/kubelet.yaml",
    "hostname-override": node.name,
    kubeconfig: "/etc/kubernetes/kubeconfig-kubelet",
    "node-ip": node.address,
    ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, String(value)])),
  };
  return Object.entries(args).map(([key, value]) => `--${key}=${value}`);
}

const configured = ({ node }: NodeView) => node.stage !== "maintenance" && node.role !== undefined;

export const K8S_KINDS: ResourceKind[] = [
  {
    type: "Nodenames.kubernetes.talos.dev",
    namespace: "k8s",
    printColumns: [{ name: "Nodename", jsonPath: "{.nodename}" }],
    proto: { message: `${K8S}.NodenameSpec` },
    list: (view) => (configured(view) ? { nodename: { nodename: view.node.name, hostnameVersion: "1", skipNodeRegistration: false } } : {}),
  },
  {
    type: "NodeIPs.kubernetes.talos.dev",
    namespace: "k8s",
    proto: { message: `${K8S}.NodeIPSpec` },
    list: (view) => (configured(view) ? { kubelet: { addresses: [view.node.address] } } : {}),
  },
  {
    type: "KubeletSpecs.kubernetes.talos.dev",
    namespace: "k8s",
    proto: { message: `${K8S}.KubeletSpecSpec` },
    list: (view) => {
      if (!configured(view)) return {};
      const { node, cluster } = view;
      return {
        kubelet: {
          image: componentImage(node, "kubelet", cluster.scenario.kubernetesVersion),
          args: kubeletArgs(node),
          expectedNodename: node.name,
          config: {
            apiVersion: "kubelet.config.k8s.io/v1beta1",
            kind: "KubeletConfiguration",
            address: "0.0.0.0",
            authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" } },
            authorization: { mode: "Webhook" },
            cgroupRoot: "/",
            clusterDNS: ["10.96.0.10"],
            clusterDomain: "cluster.local",
            port: 10250,
            rotateCertificates: true,
            staticPodURL: "http://127.0.0.1:40397",
          },
        },
      };
    },
  },
  {
    type: "StaticPods.kubernetes.talos.dev",
    namespace: "k8s",
    // Go prints the pod manifest itself; the protobuf form holds it in a Struct.
    proto: { message: `${K8S}.StaticPodSpec`, protoInput: (pod) => ({ pod }) },
    list: async (view): Promise<Specs> => {
      const { node, cluster } = view;
      if (node.role !== "controlplane" || node.stage === "maintenance") return {};
      const versions = await Promise.all(CONTROL_PLANE_PODS.map((pod) => configVersion(view, pod)));
      return Object.fromEntries(
        CONTROL_PLANE_PODS.map((pod, index) => [
          pod,
          {
            apiVersion: "v1",
            kind: "Pod",
            // The version of the component's config resource it was rendered from (APIServerConfig, …).
            metadata: { name: pod, namespace: "kube-system", labels: { "k8s-app": pod, tier: "control-plane" }, annotations: { "talos.dev/config-version": versions[index] } },
            spec: {
              containers: [{ name: pod, image: componentImage(node, pod, cluster.scenario.kubernetesVersion), command: [`/usr/local/bin/${pod}`] }],
              hostNetwork: true,
              priorityClassName: "system-cluster-critical",
            },
          },
        ]),
      );
    },
  },
  {
    type: "StaticPodStatuses.kubernetes.talos.dev",
    namespace: "k8s",
    aliases: ["podstatus"],
    printColumns: [{ name: "Ready", jsonPath: `{.conditions[?(@.type=="Ready")].status}` }],
    proto: { message: `${K8S}.StaticPodStatusSpec`, protoInput: (status) => ({ pod_status: status }) },
    list: (view) => staticPodStatuses(view),
  },
];
