// What runs on a simulated node: Talos's system containers (containerd namespace "system"), the
// Kubernetes pods the kubelet runs (CRI namespace "k8s.io": control-plane static pods, kube-proxy,
// flannel, CoreDNS on workers), and the processes behind them — one model for `containers`,
// `stats`, `processes`, `image list`, `netstat` and `logs -k`.
import type { SimCluster, SimNode } from "./cluster.js";
import { COREDNS_IMAGE, FLANNEL_IMAGE } from "./kubernetes/manifests.js";
import { digest } from "./node-facts.js";
import { CONTROL_PLANE_PODS, componentImage } from "./resources/k8s.js";
import { PIDS, serviceStates } from "./services.js";

export const ETCD_IMAGE = "registry.k8s.io/etcd:v3.6.8";
const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

export interface Container {
  /** "system" or "k8s.io" */
  namespace: string;
  /** What talosctl shows as ID: the service id, or pod[:container:shortid] for CRI. */
  id: string;
  podId: string;
  name: string;
  image: string;
  pid: number;
  status: string;
  memoryBytes: number;
  cpuNanos: number;
  /** The process command line behind it. */
  command: string;
}

export interface Pod {
  namespace: string;
  name: string;
  uid: string;
  containers: { name: string; image: string; command: string; memoryMiB: number }[];
}

/** A pod's generated-name suffix, stable per node. */
const suffix = (node: SimNode, what: string, length = 5) => digest(node.name, what).replace(/[^a-z0-9]/g, "").slice(0, length);

/** The pod that fills /var with its log (ephemeralFull). */
export function loggerPodName(node: SimNode): string {
  return `debug-logger-7d9f8b6c5-${suffix(node, "logger")}`;
}

export function podsOf(node: SimNode, cluster: SimCluster): Pod[] {
  if (node.stage !== "running") return [];
  const version = cluster.scenario.kubernetesVersion;
  const uid = (name: string) => {
    const hex = digest(node.name, "pod", name);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
  const pod = (namespace: string, name: string, containers: Pod["containers"]): Pod => ({ namespace, name, uid: uid(name), containers });
  const pods: Pod[] = [];
  if (node.role === "controlplane") {
    for (const component of CONTROL_PLANE_PODS) {
      pods.push(pod("kube-system", `${component}-${node.name}`, [{ name: component, image: componentImage(node, component, version), command: `/usr/local/bin/${component}`, memoryMiB: component === "kube-apiserver" ? 612 : 96 }]));
    }
  }
  pods.push(pod("kube-system", `kube-flannel-${suffix(node, "flannel")}`, [{ name: "kube-flannel", image: FLANNEL_IMAGE, command: "/opt/bin/flanneld --ip-masq --kube-subnet-mgr", memoryMiB: 24 }]));
  pods.push(pod("kube-system", `kube-proxy-${suffix(node, "proxy")}`, [{ name: "kube-proxy", image: `registry.k8s.io/kube-proxy:v${version}`, command: "/usr/local/bin/kube-proxy --config=/etc/kubernetes/kube-proxy.yaml", memoryMiB: 31 }]));
  // CoreDNS runs on the first two workers (control planes when there are none).
  const dnsHosts = (() => {
    const workers = cluster.peersOf(node).filter((peer) => peer.role === "worker");
    return (workers.length > 0 ? workers : cluster.peersOf(node)).slice(0, 2);
  })();
  if (dnsHosts.includes(node)) pods.push(pod("kube-system", `coredns-6b9c8c7f4d-${suffix(node, "coredns")}`, [{ name: "coredns", image: COREDNS_IMAGE, command: "/coredns -conf /etc/coredns/Corefile", memoryMiB: 18 }]));
  if (node.faults.ephemeralFull) pods.push(pod("default", loggerPodName(node), [{ name: "logger", image: "docker.io/library/busybox:1.37", command: "sh -c while true; do cat /dev/urandom | base64; done", memoryMiB: 6 }]));
  return pods;
}

/** Talos services that run as containerd containers in the "system" namespace. */
function systemContainers(node: SimNode, cluster: SimCluster): Container[] {
  const images: Record<string, string> = { apid: "", trustd: "", etcd: ETCD_IMAGE, kubelet: componentImage(node, "kubelet", cluster.scenario.kubernetesVersion) };
  const commands: Record<string, string> = {
    apid: "/apid",
    trustd: "/trustd",
    etcd: `/usr/local/bin/etcd --name=${node.name} --data-dir=/var/lib/etcd --listen-client-urls=https://0.0.0.0:2379 --listen-peer-urls=https://0.0.0.0:2380`,
    kubelet: "/usr/local/bin/kubelet --config=/etc/kubernetes/kubelet.yaml --kubeconfig=/etc/kubernetes/kubeconfig-kubelet",
  };
  const memory: Record<string, number> = { apid: 38, trustd: 22, etcd: 96, kubelet: 74 };
  return serviceStates(node)
    .filter((service) => service.id in images && service.state !== "Preparing")
    .map((service, index) => {
      const running = service.state === "Running";
      const pid = running ? PIDS[service.id]! : 0;
      return {
        namespace: "system",
        id: service.id,
        podId: service.id,
        name: service.id,
        image: images[service.id]!,
        pid,
        status: running ? "RUNNING" : "STOPPED",
        memoryBytes: running ? memory[service.id]! * 1024 * 1024 : 0,
        cpuNanos: running ? Math.floor((Date.now() - node.bootedAt.getTime()) * 1e6 * 0.02) + index * 1e9 : 0,
        command: commands[service.id]!,
      };
    });
}

/** CRI containers: each pod's sandbox, then its containers (with their short container ids). */
function criContainers(node: SimNode, cluster: SimCluster): Container[] {
  const out: Container[] = [];
  let pid = 2600;
  for (const pod of podsOf(node, cluster)) {
    const podId = `${pod.namespace}/${pod.name}`;
    out.push({ namespace: "k8s.io", id: podId, podId, name: podId, image: PAUSE_IMAGE, pid: (pid += 11), status: "SANDBOX_READY", memoryBytes: 0, cpuNanos: 0, command: "/pause" });
    for (const container of pod.containers) {
      const containerId = digest(node.name, podId, container.name);
      out.push({
        namespace: "k8s.io",
        id: `${podId}:${container.name}:${containerId.slice(0, 12)}`,
        podId,
        name: container.name,
        image: container.image,
        pid: (pid += 23),
        status: "CONTAINER_RUNNING",
        memoryBytes: container.memoryMiB * 1024 * 1024,
        cpuNanos: Math.floor((Date.now() - node.bootedAt.getTime()) * 1e6 * 0.01),
        command: container.command,
      });
    }
  }
  return out;
}

export function containersOf(node: SimNode, cluster: SimCluster, namespace: string): Container[] {
  if (namespace === "system") return systemContainers(node, cluster);
  if (namespace === "k8s.io") return criContainers(node, cluster);
  return [];
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  threads: number;
  cpu_time: number;
  virtual_memory: number;
  resident_memory: number;
  command: string;
  executable: string;
  args: string;
  label: string;
}

/** Processes as /proc shows them: machined (PID 1), the Talos daemons, and every container's process. */
export function processesOf(node: SimNode, cluster: SimCluster): ProcessInfo[] {
  const uptime = (Date.now() - node.bootedAt.getTime()) / 1000;
  const proc = (pid: number, args: string, rssMiB: number, label: string, threads = 8): ProcessInfo => {
    const executable = args.split(" ")[0]!;
    return {
      pid,
      ppid: pid === 1 ? 0 : 1,
      state: "S",
      threads,
      cpu_time: Math.round(uptime * rssMiB * 0.0005 * 100) / 100,
      virtual_memory: rssMiB * 1024 * 1024 * 9,
      resident_memory: rssMiB * 1024 * 1024,
      command: executable.split("/").pop()!.slice(0, 15),
      executable,
      args,
      label: `system_u:system_r:${label}:s0`,
    };
  };
  const base = [
    proc(1, "/sbin/init", 72, "init_t", 14),
    proc(PIDS.udevd!, "/sbin/udevd --resolve-names=never", 6, "udev_t", 1),
    proc(PIDS.containerd!, "/bin/containerd --address /system/run/containerd/containerd.sock --state /system/run/containerd --root /system/var/lib/containerd", 41, "sys_containerd_t", 12),
    proc(PIDS.cri!, "/bin/containerd --address /run/containerd/containerd.sock --config /etc/cri/containerd.toml", 58, "pod_containerd_t", 16),
    proc(PIDS.dashboard!, "/sbin/dashboard", 19, "dashboard_t", 9),
  ];
  const containers = [...containersOf(node, cluster, "system"), ...containersOf(node, cluster, "k8s.io")].filter((c) => c.pid > 0);
  const fromContainers = containers.map((c) => proc(c.pid, c.command, Math.max(1, Math.round(c.memoryBytes / 1024 / 1024)), c.namespace === "system" ? `${c.id}_t` : "container_t"));
  return [...base, ...fromContainers];
}

export interface ImageInfo {
  name: string;
  digest: string;
  size: number;
}

/** Images pulled in a containerd namespace ("system" or "k8s.io"), by tag and by digest. */
export function imagesOf(node: SimNode, cluster: SimCluster, namespace: string): ImageInfo[] {
  const names = new Set([...containersOf(node, cluster, namespace).map((c) => c.image).filter(Boolean), ...(node.pulledImages[namespace] ?? [])]);
  if (namespace === "k8s.io" && node.stage === "running") for (const component of CONTROL_PLANE_PODS) if (node.role === "controlplane") names.add(componentImage(node, component, cluster.scenario.kubernetesVersion));
  return [...names].sort().flatMap((name) => {
    const sha = `sha256:${digest(name)}`;
    const size = 10_000_000 + (parseInt(digest(name, "size").slice(0, 6), 16) % 90_000_000);
    return [
      { name, digest: sha, size },
      { name: `${name.replace(/:[^:/]+$/, "")}@${sha}`, digest: sha, size },
    ];
  });
}
