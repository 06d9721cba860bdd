// Networking as Talos's network controllers report it: links, addresses, routes, the node's
// addresses, hostname, resolvers, time servers. eth0 carries the node's endpoint (the address the
// simulator listens on) and the default route; eth1 is a storage NIC (192.168.100.0/24) that the
// linkDown fault takes down; lo is lo; with KubeSpan, a `kubespan` WireGuard link joins them.
import type { LinkFacts } from "../node-facts.js";
import type { NodeView, ResourceKind } from "../resources.js";
import { kubeSpanIdentity, KUBESPAN_PORT } from "./kubespan.js";

const NETWORK = "talos.resource.definitions.network";


/** The links of the node, with KubeSpan's WireGuard link when it is on. */
function links({ node, cluster, facts }: NodeView): LinkFacts[] {
  if (!cluster.scenario.kubespan || node.stage === "maintenance") return facts.links;
  const identity = kubeSpanIdentity(node, cluster);
  return [...facts.links, { name: "kubespan", index: 4, kind: "ether", mac: "", addresses: [`${identity.address}/64`], up: true }];
}

function linkStatus(link: LinkFacts, view: NodeView): Record<string, unknown> {
  if (link.name === "lo") {
    return { index: 1, type: "loopback", linkIndex: 0, flags: "UP,LOOPBACK,RUNNING,LOWER_UP", hardwareAddr: link.mac, permanentAddr: link.mac, broadcastAddr: link.mac, mtu: 65536, queueDisc: "noqueue", operationalState: "unknown", kind: "", slaveKind: "", linkState: false, port: "Other", duplex: "Unknown" };
  }
  if (link.name === "kubespan") {
    const identity = kubeSpanIdentity(view.node, view.cluster);
    return {
      index: link.index,
      type: "nohdr",
      linkIndex: 0,
      flags: "UP,POINTTOPOINT,RUNNING,NOARP,LOWER_UP",
      hardwareAddr: "",
      permanentAddr: "",
      broadcastAddr: "",
      mtu: 1420,
      queueDisc: "noqueue",
      operationalState: "unknown",
      kind: "wireguard",
      slaveKind: "",
      linkState: false,
      port: "Other",
      duplex: "Unknown",
      wireguard: { publicKey: identity.publicKey, listenPort: KUBESPAN_PORT, firewallMark: 131072, peers: [] },
    };
  }
  return {
    index: link.index,
    type: "ether",
    linkIndex: 0,
    flags: link.up ? "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP" : "UP,BROADCAST,MULTICAST",
    hardwareAddr: link.mac,
    permanentAddr: link.mac,
    broadcastAddr: "ff:ff:ff:ff:ff:ff",
    mtu: 1500,
    queueDisc: "pfifo_fast",
    operationalState: link.up ? "up" : "down",
    kind: "",
    slaveKind: "",
    busPath: link.busPath,
    pciID: "1AF4:1000",
    driver: link.driver,
    driverVersion: "1.0.0",
    productID: "0x1000",
    vendorID: "0x1af4",
    product: "Virtio network device",
    vendor: "Red Hat, Inc.",
    linkState: link.up,
    port: "Other",
    duplex: "Unknown",
  };
}

/** Go's netip.Prefix → its network address and broadcast address (IPv4). */
function ipv4Network(prefix: string): { network: string; broadcast: string } {
  const [address, bits] = prefix.split("/") as [string, string];
  const value = address.split(".").reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const text = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join(".");
  return { network: `${text((value & mask) >>> 0)}/${bits}`, broadcast: text((value | ~mask) >>> 0) };
}

/**
 * An address as Go prints it: `local` and `broadcast` are netip.Addr fields tagged omitempty,
 * which Go's YAML always omits (the type has only private fields) — they exist in the protobuf form only.
 */
function addressStatus(link: LinkFacts, prefix: string): Record<string, unknown> {
  const ipv6 = prefix.includes(":");
  const loopback = link.name === "lo";
  return { address: prefix, linkIndex: link.index, linkName: link.name, family: ipv6 ? "inet6" : "inet4", scope: loopback ? "host" : "global", flags: "permanent", priority: 0 };
}

/** The protobuf form of an address, with the local and broadcast addresses the YAML leaves out. */
function addressProto(spec: unknown): unknown {
  const status = spec as { address: string; family: string; linkName: string };
  if (status.family !== "inet4") return status;
  const local = status.address.split("/")[0]!;
  return { ...status, local, ...(status.linkName === "lo" ? {} : { broadcast: ipv4Network(status.address).broadcast }) };
}

const route = (fields: Record<string, unknown>) => ({ family: "inet4", dst: "", src: "", gateway: "", ...fields, table: "main", type: "unicast", flags: "" });

function routes(view: NodeView): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const link of view.facts.links) {
    if (link.kind !== "ether") continue;
    for (const prefix of link.addresses) {
      const { network } = ipv4Network(prefix);
      const src = prefix.split("/")[0]!;
      out[`inet4//${network}/0`] = route({ dst: network, src, outLinkIndex: link.index, outLinkName: link.name, priority: 0, scope: "link", protocol: "kernel" });
      if (link.gateway && link.up) {
        out[`inet4/${link.gateway}//1024`] = route({ src, gateway: link.gateway, outLinkIndex: link.index, outLinkName: link.name, priority: 1024, scope: "global", protocol: "static" });
      }
    }
  }
  return out;
}

/** Addresses of links that are up, minus loopback (NodeAddress "current"). */
function currentAddresses(view: NodeView): string[] {
  return links(view)
    .filter((link) => link.kind !== "loopback" && link.up)
    .flatMap((link) => link.addresses);
}

export const NETWORK_KINDS: ResourceKind[] = [
  {
    type: "LinkStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["link", "links"],
    printColumns: [
      { name: "Alias", jsonPath: "{.alias}" },
      { name: "Type", jsonPath: "{.type}" },
      { name: "Kind", jsonPath: "{.kind}" },
      { name: "Hw Addr", jsonPath: "{.hardwareAddr}" },
      { name: "Oper State", jsonPath: "{.operationalState}" },
      { name: "Link State", jsonPath: "{.linkState}" },
    ],
    proto: { message: `${NETWORK}.LinkStatusSpec` },
    list: (view) => Object.fromEntries(links(view).map((link) => [link.name, linkStatus(link, view)])),
  },
  {
    type: "AddressStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["address", "addresses"],
    printColumns: [
      { name: "Address", jsonPath: "{.address}" },
      { name: "Link", jsonPath: "{.linkName}" },
    ],
    proto: { message: `${NETWORK}.AddressStatusSpec`, protoInput: addressProto },
    list: (view) => Object.fromEntries(links(view).flatMap((link) => link.addresses.map((prefix) => [`${link.name}/${prefix}`, addressStatus(link, prefix)]))),
  },
  {
    type: "RouteStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["route", "routes"],
    printColumns: [
      { name: "Destination", jsonPath: "{.dst}" },
      { name: "Gateway", jsonPath: "{.gateway}" },
      { name: "Link", jsonPath: "{.outLinkName}" },
      { name: "Metric", jsonPath: "{.priority}" },
    ],
    proto: { message: `${NETWORK}.RouteStatusSpec` },
    list: routes,
  },
  {
    type: "NodeAddresses.net.talos.dev",
    namespace: "network",
    printColumns: [
      { name: "Addresses", jsonPath: "{.addresses}" },
      { name: "SortAlgorithm", jsonPath: "{.sortAlgorithm}" },
    ],
    proto: { message: `${NETWORK}.NodeAddressSpec` },
    list: (view) => {
      const current = currentAddresses(view);
      const routed = current.filter((prefix) => !prefix.startsWith("fd"));
      const spec = (addresses: string[]) => ({ addresses, sortAlgorithm: "v2" });
      return { accumulative: spec(current), current: spec(current), default: spec([`${view.node.address}/24`]), routed: spec(routed) };
    },
  },
  {
    type: "HostnameStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["hostname"],
    printColumns: [
      { name: "Hostname", jsonPath: "{.hostname}" },
      { name: "Domainname", jsonPath: "{.domainname}" },
    ],
    proto: { message: `${NETWORK}.HostnameStatusSpec` },
    list: ({ node }) => ({ hostname: { hostname: node.name, domainname: "" } }),
  },
  {
    type: "HardwareAddresses.net.talos.dev",
    namespace: "network",
    proto: { message: `${NETWORK}.HardwareAddrSpec` },
    list: ({ facts }) => ({ first: { name: "eth0", hardwareAddr: facts.links.find((link) => link.name === "eth0")!.mac } }),
  },
  {
    type: "ResolverStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["resolvers"],
    printColumns: [
      { name: "Resolvers", jsonPath: "{.dnsServers}" },
      { name: "Search Domains", jsonPath: "{.searchDomains}" },
    ],
    proto: { message: `${NETWORK}.ResolverStatusSpec` },
    list: ({ facts }) => ({ resolvers: { dnsServers: facts.dnsServers, searchDomains: [] } }),
  },
  {
    type: "TimeServerStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["timeserver", "timeservers"],
    printColumns: [{ name: "Timeservers", jsonPath: "{.timeServers}" }],
    proto: { message: `${NETWORK}.TimeServerStatusSpec` },
    list: ({ facts }) => ({ timeservers: { timeServers: facts.timeServers } }),
  },
  {
    type: "NetworkStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["netstatus", "netstatuses"],
    printColumns: [
      { name: "Address", jsonPath: "{.addressReady}" },
      { name: "Connectivity", jsonPath: "{.connectivityReady}" },
      { name: "Hostname", jsonPath: "{.hostnameReady}" },
      { name: "Etc", jsonPath: "{.etcFilesReady}" },
    ],
    proto: { message: `${NETWORK}.StatusSpec` },
    list: () => ({ status: { addressReady: true, connectivityReady: true, hostnameReady: true, etcFilesReady: true } }),
  },
];
