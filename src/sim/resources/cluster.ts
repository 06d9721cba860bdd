// Cluster discovery: the node's identity, the cluster it belongs to, and the members and
// affiliates it discovered — each peer described by its own facts, so members agree with every
// node's hostname, nodename, identity and addresses.
import type { SimCluster, SimNode } from "../cluster.js";
import { digest, nodeFacts } from "../node-facts.js";
import type { ResourceKind } from "../resources.js";
import { kubeSpanAffiliate } from "./kubespan.js";

const CLUSTER = "talos.resource.definitions.cluster";

/** Addresses a node publishes to discovery: those of its links that are up (not loopback). */
export function publishedAddresses(node: SimNode, cluster: SimCluster): string[] {
  return nodeFacts(node, cluster.key)
    .links.filter((link) => link.kind !== "loopback" && link.up)
    .flatMap((link) => link.addresses.map((address) => address.split("/")[0]!));
}

/** The discovery cluster id (cluster.id of the config): 32 bytes, URL-safe base64. */
export function clusterId(cluster: SimCluster, name: string): string {
  return Buffer.from(digest(cluster.key, name, "cluster-id"), "hex").toString("base64url") + "=";
}

const discovered = (node: SimNode, cluster: SimCluster) => (node.stage === "maintenance" ? [] : cluster.peersOf(node));

function memberOf(peer: SimNode, cluster: SimCluster) {
  return {
    nodeId: peer.nodeId,
    addresses: publishedAddresses(peer, cluster),
    hostname: peer.name,
    machineType: peer.role,
    operatingSystem: `Talos (${peer.talosVersion})`,
    ...(peer.role === "controlplane" ? { controlPlane: { port: 6443 } } : {}),
  };
}

export const CLUSTER_KINDS: ResourceKind[] = [
  {
    type: "Members.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [
      { name: "Hostname", jsonPath: "{.hostname}" },
      { name: "Machine Type", jsonPath: "{.machineType}" },
      { name: "OS", jsonPath: "{.operatingSystem}" },
      { name: "Addresses", jsonPath: "{.addresses}" },
    ],
    proto: { message: `${CLUSTER}.MemberSpec` },
    list: ({ node, cluster }) => Object.fromEntries(discovered(node, cluster).map((peer) => [peer.name, memberOf(peer, cluster)])),
  },
  {
    type: "Affiliates.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [
      { name: "Hostname", jsonPath: "{.hostname}" },
      { name: "Machine Type", jsonPath: "{.machineType}" },
      { name: "Addresses", jsonPath: "{.addresses}" },
    ],
    proto: { message: `${CLUSTER}.AffiliateSpec` },
    list: ({ node, cluster }) =>
      Object.fromEntries(
        discovered(node, cluster).map((peer) => {
          const { controlPlane, ...member } = memberOf(peer, cluster);
          const kubespan = cluster.scenario.kubespan ? { kubespan: kubeSpanAffiliate(peer, cluster) } : {};
          return [member.nodeId, { nodeId: member.nodeId, addresses: member.addresses, hostname: peer.name, nodename: peer.name, operatingSystem: member.operatingSystem, machineType: member.machineType, ...kubespan, ...(controlPlane ? { controlPlane } : {}) }];
        }),
      ),
  },
  {
    type: "Identities.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [{ name: "ID", jsonPath: "{.nodeId}" }],
    proto: { message: `${CLUSTER}.IdentitySpec` },
    list: ({ node }) => (node.stage === "maintenance" ? {} : { local: { nodeId: node.nodeId } }),
  },
  {
    type: "Infos.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [
      { name: "Cluster ID", jsonPath: "{.clusterId}" },
      { name: "Cluster Name", jsonPath: "{.clusterName}" },
    ],
    proto: { message: `${CLUSTER}.InfoSpec` },
    list: ({ node, cluster }) => (node.clusterName ? { current: { clusterId: clusterId(cluster, node.clusterName), clusterName: node.clusterName } } : {}),
  },
];
