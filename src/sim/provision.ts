// Nodes that start configured (installed or running), as a scenario or an Omni cluster needs them:
// the machine config they report, their CA, and their etcd membership.
import { createHash, createPrivateKey } from "node:crypto";
import { stringify } from "yaml";
import { etcdFails, type SimCluster, type SimNode } from "./cluster.js";
import { b64, type CertificateAuthority } from "./pki.js";
import type { Scenario } from "./scenario.js";

/**
 * The machine config a pre-configured node reports (`get mc`): its Kubernetes version shows in the
 * component images, as on real nodes; Omni-managed nodes carry the SideroLinkConfig document Omni adds.
 */
function machineConfigFor(scenario: Pick<Scenario, "clusterName" | "kubernetesVersion" | "omniManaged" | "kubespan" | "talosVersion">, node: SimNode, role: string, endpoint: string, caPem: string, kubernetesCa: CertificateAuthority): string {
  const k8s = `v${scenario.kubernetesVersion}`;
  // A kubelet crash loop of the simulated kind comes from a flag kubelet does not know.
  const kubeletExtraArgs = node.faults.crashLoop === "kubelet" ? { extraArgs: { "feature-gate": "GracefulNodeShutdown=true" } } : {};
  const installImage = node.schematic ? `factory.talos.dev/metal-installer/${node.schematic}:${scenario.talosVersion}` : `ghcr.io/siderolabs/installer:${scenario.talosVersion}`;
  const main = stringify({
    version: "v1alpha1",
    machine: {
      type: role,
      ca: { crt: b64(caPem) },
      kubelet: { image: `ghcr.io/siderolabs/kubelet:${k8s}`, ...kubeletExtraArgs },
      ...(scenario.kubespan ? { network: { kubespan: { enabled: true } } } : {}),
      install: { disk: "/dev/sda", image: installImage },
    },
    cluster: {
      clusterName: scenario.clusterName,
      controlPlane: { endpoint },
      // Talos writes the Kubernetes CA key as SEC 1 ("EC PRIVATE KEY"), and gives it to control planes only.
      ca: { crt: b64(kubernetesCa.certPem), ...(role === "controlplane" ? { key: b64(createPrivateKey(kubernetesCa.keyPem).export({ format: "pem", type: "sec1" }).toString()) } : {}) },
      ...(role === "controlplane" ? { apiServer: { image: `registry.k8s.io/kube-apiserver:${k8s}` }, controllerManager: { image: `registry.k8s.io/kube-controller-manager:${k8s}` }, scheduler: { image: `registry.k8s.io/kube-scheduler:${k8s}` } } : {}),
      proxy: { image: `registry.k8s.io/kube-proxy:${k8s}` },
    },
  });
  if (!scenario.omniManaged) return main;
  return `${main}---
${stringify({ apiVersion: "v1alpha1", kind: "SideroLinkConfig", apiUrl: "https://omni.sim.invalid:8090?jointoken=simulated" })}`;
}

const RUNNING_UPTIME_MS = 3_600_000;

/** The control plane endpoint's port (Talos's default): https://<first control plane>:6443. */
export const CONTROL_PLANE_PORT = 6443;

/**
 * Puts every node of `cluster` in the scenario's stage with a config signed by `ca`, and
 * `kubernetesCa` as the cluster's Kubernetes CA (cluster.ca: it signs kubeconfigs).
 */
export function configureNodes(cluster: SimCluster, scenario: Scenario, ca: CertificateAuthority, kubernetesCa: CertificateAuthority): void {
  const controlPlanes = scenario.nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
  const endpoint = `https://${controlPlanes[0]}:${CONTROL_PLANE_PORT}`;
  const etcdCluster = scenario.stage === "running" ? "sim-etcd" : undefined;
  for (const node of cluster.nodes) {
    Object.assign(node, {
      role: node.plannedRole,
      stage: scenario.stage === "running" ? "running" : "installed",
      clusterName: scenario.clusterName,
      installDisk: "/dev/sda",
      ca,
      config: machineConfigFor(scenario, node, node.plannedRole, endpoint, ca.certPem, kubernetesCa),
      // A running cluster has been up a while: uptimes, service histories and restart counts show it.
      ...(scenario.stage === "running" ? { bootedAt: new Date(Date.now() - RUNNING_UPTIME_MS) } : {}),
    });
    if (scenario.stage === "running") cluster.bootLog(node);
    if (node.plannedRole === "controlplane") {
      node.etcd = etcdCluster ? (etcdFails(node) ? "down" : "running") : "waiting";
      node.etcdCluster = etcdCluster;
      node.etcdMemberId = etcdCluster ? createHash("sha256").update(node.name).digest("hex").slice(0, 12) : undefined;
    }
  }
}
