// KubeSpan (scenario `kubespan: true`): the node's WireGuard identity, its peers (every other
// node of the cluster, described by that node's own identity and endpoint) and their status. A peer
// that cannot be reached (unreachable fault) is down; with KubeSpan off there is nothing.
import type { SimCluster, SimNode } from "../cluster.js";
import { digest } from "../node-facts.js";
import type { NodeView, ResourceKind } from "../resources.js";
import { GoTime } from "../spec-proto.js";
import { clusterId, publishedAddresses } from "./cluster.js";

const KUBESPAN = "talos.resource.definitions.kubespan";
export const KUBESPAN_PORT = 51820;

/** IPv6 groups as Go prints them (no leading zeros; these addresses have no zero runs). */
const ipv6 = (hex: string) => (hex.match(/.{4}/g) ?? []).map((group) => group.replace(/^0+(?=.)/, "")).join(":");

/** The cluster's KubeSpan ULA /64 (derived from the cluster id, like Talos), as 16 hex digits. */
const kubeSpanPrefixHex = (cluster: SimCluster) => `fd${digest(cluster.key, "kubespan-prefix").slice(0, 14)}`;
const kubeSpanPrefix = (cluster: SimCluster) => ipv6(kubeSpanPrefixHex(cluster));

export function kubeSpanIdentity(node: SimNode, cluster: SimCluster) {
  const hex = digest(cluster.key, node.name, "kubespan-key");
  return {
    // The node part is EUI-64-like: …ff:fe… in the middle.
    address: ipv6(`${kubeSpanPrefixHex(cluster)}${hex.slice(0, 6)}fffe${hex.slice(6, 12)}`),
    privateKey: Buffer.from(hex.slice(0, 64), "hex").toString("base64"),
    publicKey: Buffer.from(digest(hex, "public"), "hex").toString("base64"),
  };
}

export function kubeSpanAffiliate(node: SimNode, cluster: SimCluster) {
  const identity = kubeSpanIdentity(node, cluster);
  return { publicKey: identity.publicKey, address: identity.address, additionalAddresses: [], endpoints: [`${node.address}:${KUBESPAN_PORT}`], excludeAdvertisedNetworks: [] };
}

/** Other nodes of the cluster a node peers with over KubeSpan. */
function peersOf({ node, cluster }: NodeView): SimNode[] {
  if (!cluster.scenario.kubespan || node.stage === "maintenance") return [];
  return cluster.peersOf(node).filter((peer) => peer !== node);
}

export const KUBESPAN_KINDS: ResourceKind[] = [
  {
    type: "KubeSpanConfigs.kubespan.talos.dev",
    namespace: "config",
    sensitive: true,
    proto: { message: `${KUBESPAN}.ConfigSpec` },
    list: ({ node, cluster }) =>
      cluster.scenario.kubespan && node.clusterName
        ? { kubespan: { enabled: true, clusterId: clusterId(cluster, node.clusterName), sharedSecret: Buffer.from(digest(cluster.key, "kubespan-secret"), "hex").toString("base64"), forceRouting: true, advertiseKubernetesNetworks: false, mtu: 1420, harvestExtraEndpoints: false } }
        : {},
  },
  {
    type: "KubeSpanIdentities.kubespan.talos.dev",
    namespace: "kubespan",
    sensitive: true,
    printColumns: [
      { name: "Address", jsonPath: "{.address}" },
      { name: "PublicKey", jsonPath: "{.publicKey}" },
    ],
    proto: { message: `${KUBESPAN}.IdentitySpec` },
    list: ({ node, cluster }) => {
      if (!cluster.scenario.kubespan || node.stage === "maintenance") return {};
      const identity = kubeSpanIdentity(node, cluster);
      return { local: { address: `${identity.address}/128`, subnet: `${kubeSpanPrefix(cluster)}::/64`, privateKey: identity.privateKey, publicKey: identity.publicKey } };
    },
  },
  {
    type: "KubeSpanPeerSpecs.kubespan.talos.dev",
    namespace: "kubespan",
    printColumns: [
      { name: "Label", jsonPath: "{.label}" },
      { name: "Endpoints", jsonPath: "{.endpoints}" },
    ],
    proto: { message: `${KUBESPAN}.PeerSpecSpec` },
    list: (view) =>
      Object.fromEntries(
        peersOf(view).map((peer) => {
          const identity = kubeSpanIdentity(peer, view.cluster);
          const allowedIPs = [`${identity.address}/128`, ...publishedAddresses(peer, view.cluster).map((address) => `${address}/32`)];
          return [identity.publicKey, { address: identity.address, allowedIPs, endpoints: [`${peer.address}:${KUBESPAN_PORT}`], label: peer.name }];
        }),
      ),
  },
  {
    type: "KubeSpanPeerStatuses.kubespan.talos.dev",
    namespace: "kubespan",
    printColumns: [
      { name: "Label", jsonPath: "{.label}" },
      { name: "Endpoint", jsonPath: "{.endpoint}" },
      { name: "State", jsonPath: "{.state}" },
      { name: "Rx", jsonPath: "{.receiveBytes}" },
      { name: "Tx", jsonPath: "{.transmitBytes}" },
    ],
    proto: { message: `${KUBESPAN}.PeerStatusSpec` },
    list: (view) =>
      Object.fromEntries(
        peersOf(view).map((peer) => {
          const up = !peer.faults.unreachable;
          const since = view.node.bootedAt > peer.bootedAt ? view.node.bootedAt : peer.bootedAt;
          const seconds = Math.max(1, Math.floor((Date.now() - since.getTime()) / 1000));
          const endpoint = `${peer.address}:${KUBESPAN_PORT}`;
          return [
            kubeSpanIdentity(peer, view.cluster).publicKey,
            {
              endpoint,
              label: peer.name,
              state: up ? "up" : "down",
              receiveBytes: up ? seconds * 1_460 : 0,
              transmitBytes: up ? seconds * 1_240 : 0,
              // WireGuard handshakes every two minutes.
              lastHandshakeTime: new GoTime(up ? new Date(since.getTime() + Math.floor(seconds / 120) * 120_000) : new Date("0001-01-01T00:00:00Z")),
              lastUsedEndpoint: endpoint,
              lastEndpointChange: new GoTime(since),
            },
          ];
        }),
      ),
  },
  {
    type: "KubeSpanEndpoints.kubespan.talos.dev",
    namespace: "kubespan",
    printColumns: [
      { name: "Endpoint", jsonPath: "{.endpoint}" },
      { name: "Affiliate ID", jsonPath: "{.affiliateID}" },
    ],
    proto: { message: `${KUBESPAN}.EndpointSpec` },
    list: (view) =>
      Object.fromEntries(
        peersOf(view)
          .filter((peer) => !peer.faults.unreachable)
          .map((peer) => [kubeSpanIdentity(peer, view.cluster).publicKey, { affiliateID: peer.nodeId, endpoint: `${peer.address}:${KUBESPAN_PORT}` }]),
      ),
  },
];
