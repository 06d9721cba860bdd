// Resource types the `get` tool may read, by the name talosctl accepts. Sensitive types hold
// secrets (Talos marks them Sensitive; reading them needs os:admin) and are refused below admin.
export const RESOURCE_TYPES = {
  members: { sensitive: false, about: "cluster members from discovery (hostname, machine type, addresses)" },
  machinestatus: { sensitive: false, about: "machine stage (maintenance, booting, running) and readiness" },
  machinetype: { sensitive: false, about: "controlplane / worker" },
  etcdmembers: { sensitive: false, about: "this node's etcd member id while etcd runs" },
  services: { sensitive: false, about: "Talos services and their state" },
  nodename: { sensitive: false, about: "Kubernetes node name" },
  hostname: { sensitive: false, about: "hostname status" },
  addresses: { sensitive: false, about: "network addresses" },
  links: { sensitive: false, about: "network links" },
  routes: { sensitive: false, about: "routes" },
  disks: { sensitive: false, about: "block devices" },
  systemdisk: { sensitive: false, about: "the system disk" },
  mounts: { sensitive: false, about: "mount status" },
  extensions: { sensitive: false, about: "installed system extensions (and the schematic id)" },
  timestatus: { sensitive: false, about: "time synchronisation" },
  kubespanpeerstatuses: { sensitive: false, about: "KubeSpan peers" },
  staticpodstatus: { sensitive: false, about: "static pods (control plane components)" },
  machineconfig: { sensitive: true, about: "the machine config (contains secrets)" },
  osrootsecrets: { sensitive: true, about: "Talos API root secrets" },
  etcdrootsecrets: { sensitive: true, about: "etcd root secrets" },
  kubernetesrootsecrets: { sensitive: true, about: "Kubernetes root secrets" },
} as const;

export type ResourceTypeName = keyof typeof RESOURCE_TYPES;
export const RESOURCE_TYPE_NAMES = Object.keys(RESOURCE_TYPES) as [ResourceTypeName, ...ResourceTypeName[]];
