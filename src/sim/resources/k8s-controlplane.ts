// The control plane's rendered configuration (namespace controlplane): APIServerConfig,
// ControllerManagerConfig and SchedulerConfig — what `talosctl upgrade-k8s` watches (their version
// changes when a patched machine config reaches the node, and the static pods carry that version as
// talos.dev/config-version) — and the bootstrap Manifests it syncs afterwards.
import { bootstrapManifests, POD_CIDR, SERVICE_CIDR } from "../kubernetes/manifests.js";
import { stampedResources, type NodeView, type ResourceKind, type Specs } from "../resources.js";
import { componentImage, CONTROL_PLANE_PODS, machineConfigDocument } from "./k8s.js";

const K8S = "talos.resource.definitions.k8s";

type ControlPlanePod = (typeof CONTROL_PLANE_PODS)[number];

const controlPlane = ({ node }: NodeView) => node.role === "controlplane" && node.stage !== "maintenance";
const noResources = { requests: {}, limits: {} };

/** The component's image on the node (its machine config's, else the scenario version's default). */
const imageOf = ({ node, cluster }: NodeView, component: Parameters<typeof componentImage>[1]) => componentImage(node, component, cluster.scenario.kubernetesVersion);

const configKinds: Record<ControlPlanePod, ResourceKind> = {
  "kube-apiserver": {
    type: "APIServerConfigs.kubernetes.talos.dev",
    namespace: "controlplane",
    proto: { message: `${K8S}.APIServerConfigSpec` },
    list: (view): Specs => {
      if (!controlPlane(view)) return {};
      const config = machineConfigDocument(view.node);
      return {
        "kube-apiserver": {
          image: imageOf(view, "kube-apiserver"),
          cloudProvider: "",
          controlPlaneEndpoint: String(config?.cluster?.controlPlane?.endpoint ?? ""),
          etcdServers: ["https://localhost:2379"],
          localPort: 6443,
          serviceCIDR: [SERVICE_CIDR],
          extraArgs: config?.cluster?.apiServer?.extraArgs ?? {},
          extraVolumes: [],
          environmentVariables: {},
          advertisedAddress: "$(POD_IP)",
          resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: {} },
        },
      };
    },
  },
  "kube-controller-manager": {
    type: "ControllerManagerConfigs.kubernetes.talos.dev",
    namespace: "controlplane",
    proto: { message: `${K8S}.ControllerManagerConfigSpec` },
    list: (view): Specs =>
      controlPlane(view)
        ? {
            "kube-controller-manager": {
              enabled: true,
              image: imageOf(view, "kube-controller-manager"),
              cloudProvider: "",
              podCIDRs: [POD_CIDR],
              serviceCIDRs: [SERVICE_CIDR],
              extraArgs: machineConfigDocument(view.node)?.cluster?.controllerManager?.extraArgs ?? {},
              extraVolumes: [],
              environmentVariables: {},
              resources: noResources,
            },
          }
        : {},
  },
  "kube-scheduler": {
    type: "SchedulerConfigs.kubernetes.talos.dev",
    namespace: "controlplane",
    proto: { message: `${K8S}.SchedulerConfigSpec` },
    list: (view): Specs =>
      controlPlane(view)
        ? {
            "kube-scheduler": {
              enabled: true,
              image: imageOf(view, "kube-scheduler"),
              extraArgs: machineConfigDocument(view.node)?.cluster?.scheduler?.extraArgs ?? {},
              extraVolumes: [],
              environmentVariables: {},
              resources: noResources,
              config: {},
            },
          }
        : {},
  },
};

/** The version of a component's config resource on the node: what its static pod carries. */
export async function configVersion(view: NodeView, pod: ControlPlanePod): Promise<string> {
  const resources = await stampedResources(configKinds[pod], view.node, view.cluster);
  return resources[0]?.stamp.version ?? "undefined";
}

export const K8S_CONTROLPLANE_KINDS: ResourceKind[] = [
  ...Object.values(configKinds),
  {
    type: "Manifests.kubernetes.talos.dev",
    namespace: "controlplane",
    // Go prints a manifest as its list of objects; the protobuf form wraps each in a Struct.
    proto: { message: `${K8S}.ManifestSpec`, protoInput: (items) => ({ items: (items as unknown[]).map((object) => ({ object })) }) },
    list: (view): Specs => (controlPlane(view) ? bootstrapManifests(imageOf(view, "kube-proxy")) : {}),
  },
];
