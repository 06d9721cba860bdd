// COSI resources a simulated node serves, with the real type names, namespaces and spec fields
// talosctl prints. talosctl reads resource specs from their YAML form (yaml_spec); only resource
// definitions are decoded from protobuf (proto_spec), so those are encoded with the real message.
import { stringify } from "yaml";
import type { SimCluster, SimNode } from "./cluster.js";

export interface ResourceKind {
  type: string;
  namespace: string;
  /** Aliases beyond the automatic ones (cosi ResourceDefinitionSpec.Fill). */
  aliases?: string[];
  printColumns?: { name: string; jsonPath: string }[];
  sensitive?: boolean;
  /** Resources of this kind on a node: id → spec (YAML-marshalled for yaml_spec). */
  list(node: SimNode, cluster: SimCluster): Record<string, unknown>;
}

const serviceSpec = (running: boolean, healthy: boolean) => ({ running, healthy, unknown: !running });

export const KINDS: ResourceKind[] = [
  {
    type: "MachineTypes.config.talos.dev",
    namespace: "config",
    printColumns: [{ name: "Type", jsonPath: "{@}" }],
    list: (node) => (node.role ? { "machine-type": node.role } : {}),
  },
  {
    type: "MachineStatuses.runtime.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Stage", jsonPath: "{.stage}" },
      { name: "Ready", jsonPath: "{.status.ready}" },
    ],
    list: (node) => ({
      machine: {
        stage: node.stage === "maintenance" ? "maintenance" : node.stage === "running" ? "running" : "booting",
        status: {
          ready: node.stage === "running",
          unmetConditions: node.stage === "running" ? [] : [{ name: "etcd", reason: node.role === "controlplane" ? "etcd is waiting to join the cluster" : "waiting for the cluster" }],
        },
      },
    }),
  },
  {
    type: "Members.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [
      { name: "Hostname", jsonPath: "{.hostname}" },
      { name: "Machine Type", jsonPath: "{.machineType}" },
      { name: "OS", jsonPath: "{.operatingSystem}" },
      { name: "Addresses", jsonPath: "{.addresses}" },
    ],
    list: (node, cluster) =>
      node.stage === "maintenance"
        ? {}
        : Object.fromEntries(
            cluster.peersOf(node).map((peer) => [
              peer.name,
              { nodeId: peer.nodeId, addresses: [peer.address, peer.secondaryAddress], hostname: peer.name, machineType: peer.role, operatingSystem: `Talos (${peer.talosVersion})` },
            ]),
          ),
  },
  {
    type: "EtcdMembers.etcd.talos.dev",
    namespace: "etcd",
    printColumns: [{ name: "Member ID", jsonPath: "{.memberID}" }],
    list: (node) => (node.etcd === "running" && node.etcdMemberId ? { local: { memberID: node.etcdMemberId.padStart(16, "0") } } : {}),
  },
  {
    type: "Services.v1alpha1.talos.dev",
    namespace: "runtime",
    aliases: ["svc"],
    printColumns: [
      { name: "Running", jsonPath: "{.running}" },
      { name: "Healthy", jsonPath: "{.healthy}" },
      { name: "Health Unknown", jsonPath: "{.unknown}" },
    ],
    list: (node) =>
      Object.fromEntries(
        serviceStates(node).map((service) => [service.id, serviceSpec(service.state === "Running", service.health === "OK")]),
      ),
  },
  {
    type: "HostnameStatuses.net.talos.dev",
    namespace: "network",
    aliases: ["hostname"],
    printColumns: [
      { name: "Hostname", jsonPath: "{.hostname}" },
      { name: "Domainname", jsonPath: "{.domainname}" },
    ],
    list: (node) => ({ hostname: { hostname: node.name, domainname: "" } }),
  },
  {
    type: "NodeAddresses.net.talos.dev",
    namespace: "network",
    printColumns: [{ name: "Addresses", jsonPath: "{.addresses}" }],
    list: (node) => ({
      accumulative: { addresses: [`${node.address}/24`, `${node.secondaryAddress}/24`] },
      current: { addresses: [`${node.address}/24`, `${node.secondaryAddress}/24`] },
      default: { addresses: [`${node.address}/24`] },
      routed: { addresses: [`${node.address}/24`, `${node.secondaryAddress}/24`] },
    }),
  },
  {
    type: "Identities.cluster.talos.dev",
    namespace: "cluster",
    printColumns: [{ name: "ID", jsonPath: "{.nodeId}" }],
    // The identity lives on the STATE partition: none in maintenance mode.
    list: (node) => (node.stage === "maintenance" ? {} : { local: { nodeId: node.nodeId } }),
  },
  {
    type: "SystemInformations.hardware.talos.dev",
    namespace: "hardware",
    aliases: ["systeminformation"],
    printColumns: [
      { name: "Manufacturer", jsonPath: "{.manufacturer}" },
      { name: "ProductName", jsonPath: "{.productName}" },
      { name: "UUID", jsonPath: "{.uuid}" },
    ],
    list: (node) => ({ systeminformation: { manufacturer: "Talos simulator", productName: "simulated machine", uuid: node.uuid } }),
  },
  {
    type: "MachineConfigs.config.talos.dev",
    namespace: "config",
    sensitive: true,
    list: (node) => (node.config ? { v1alpha1: node.config } : {}),
  },
];

/** English singular as COSI's pluralizer gives it (Statuses → Status, Services → Service). */
export function singular(name: string): string {
  if (/(ss|x|ch|sh|us)es$/.test(name)) return name.slice(0, -2);
  if (/ies$/.test(name)) return `${name.slice(0, -3)}y`;
  return name.replace(/s$/, "");
}

/** The definition as cosi's ResourceDefinitionSpec.Fill would complete it. */
export function definitionOf(kind: Pick<ResourceKind, "type" | "namespace" | "aliases" | "printColumns" | "sensitive">) {
  const [name, suffix] = [kind.type.slice(0, kind.type.indexOf(".")), kind.type.slice(kind.type.indexOf(".") + 1)];
  const displayType = singular(name);
  const aliases = [...(kind.aliases ?? []), displayType.toLowerCase()];
  const allAliases = [name.toLowerCase()];
  const parts = suffix.split(".");
  for (let i = 1; i < parts.length; i += 1) allAliases.push([name.toLowerCase(), ...parts.slice(0, i)].join("."));
  const upper = name.replace(/[^A-Z]/g, "");
  if (upper.length > 1) {
    aliases.push(upper.toLowerCase());
    if (!upper.endsWith("S")) aliases.push(`${upper.toLowerCase()}s`);
  }
  allAliases.push(...aliases);
  return {
    resourceType: kind.type,
    displayType,
    defaultNamespace: kind.namespace,
    aliases,
    allAliases,
    printColumns: (kind.printColumns ?? []).map((c) => ({ name: c.name, jsonPath: c.jsonPath })),
    sensitivity: kind.sensitive ? 1 : 0,
  };
}

export const RD_TYPE = "ResourceDefinitions.meta.cosi.dev";

export interface ServiceState {
  id: string;
  state: string;
  health: "OK" | "Fail" | "?";
  message: string;
}

/** Talos services of a node, derived from its stage and etcd state. */
export function serviceStates(node: SimNode): ServiceState[] {
  if (node.stage === "maintenance") {
    return [
      { id: "apid", state: "Running", health: "?", message: "Started task apid (PID 2) for container apid" },
      { id: "machined", state: "Running", health: "OK", message: "Health check successful" },
    ];
  }
  const base: ServiceState[] = [
    { id: "apid", state: "Running", health: "OK", message: "Health check successful" },
    { id: "containerd", state: "Running", health: "OK", message: "Health check successful" },
    { id: "cri", state: "Running", health: "OK", message: "Health check successful" },
    { id: "machined", state: "Running", health: "OK", message: "Health check successful" },
    { id: "trustd", state: "Running", health: "OK", message: "Health check successful" },
    { id: "udevd", state: "Running", health: "OK", message: "Health check successful" },
    {
      id: "kubelet",
      state: "Running",
      health: node.stage === "running" ? "OK" : "?",
      message: node.stage === "running" ? "Health check successful" : "Started task kubelet (PID 1890) for container kubelet",
    },
  ];
  if (node.role === "controlplane") {
    const etcd: Record<string, ServiceState> = {
      waiting: { id: "etcd", state: "Preparing", health: "?", message: "Running pre state" },
      running: { id: "etcd", state: "Running", health: "OK", message: "Health check successful" },
      down: { id: "etcd", state: "Failed", health: "Fail", message: "Failed to run pre stage: etcd member is down" },
      none: { id: "etcd", state: "Preparing", health: "?", message: "Running pre state" },
    };
    base.push(etcd[node.etcd]!);
  }
  return base.sort((a, b) => a.id.localeCompare(b.id));
}

export function yamlSpec(spec: unknown): string {
  return typeof spec === "string" && spec.includes("\n") ? spec : stringify(spec);
}
