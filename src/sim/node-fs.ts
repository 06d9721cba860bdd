// The filesystem of a simulated node, as far as `talosctl list`, `read`, `usage` and `mounts` see
// it: the mount table (the same numbers in /proc/mounts and the Mounts API), a directory tree whose
// sizes under /var add up to what EPHEMERAL has in use, and the text of the files operators read
// (/proc/*, /etc/*). With the ephemeralFull fault, one pod's log fills /var.
import type { SimCluster, SimNode } from "./cluster.js";
import { nodeFacts, type NodeFacts } from "./node-facts.js";
import { loggerPodName, podsOf } from "./workloads.js";

/** Go's os.FileMode type bits (what the List API sends and talosctl formats). */
export const GO_MODE_DIR = 0x80000000;
export const GO_MODE_SYMLINK = 0x08000000;
const DIR_SIZE = 4096;

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string;
  size: number;
  available: number;
}

export interface FsEntry {
  path: string;
  kind: "dir" | "file" | "symlink";
  /** Permission bits (0o644…). */
  perm: number;
  size: number;
  link?: string;
  uid?: number;
  gid?: number;
  content?: () => string;
}

const MiB = 1024 * 1024;

/** What EPHEMERAL would hold without the fault (the ephemeralFull excess is one pod log). */
function normalVarUsage(node: SimNode, facts: NodeFacts): number {
  const ephemeral = facts.partitions.find((p) => p.label === "EPHEMERAL")!.size;
  return node.faults.ephemeralFull ? Math.round(ephemeral * (node.role === "controlplane" ? 0.09 : 0.14)) : facts.ephemeralUsed;
}

export function mountTable(node: SimNode, facts: NodeFacts): MountEntry[] {
  const memory = facts.memoryMiB * MiB;
  const part = (label: string) => facts.partitions.find((p) => p.label === label)!;
  const xfs = (bytes: number) => Math.floor(bytes * 0.985);
  const tmpfs = (source: string, target: string, size: number, used: number): MountEntry => ({ source, target, fstype: "tmpfs", options: "rw,nosuid,nodev,relatime", size, available: size - used });
  const table: MountEntry[] = [
    { source: "/dev/loop0", target: "/", fstype: "squashfs", options: "ro,relatime", size: facts.rootfsSize, available: 0 },
    { source: "devtmpfs", target: "/dev", fstype: "devtmpfs", options: "rw,nosuid,noexec,relatime", size: memory / 2, available: memory / 2 },
    { source: "proc", target: "/proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime", size: 0, available: 0 },
    { source: "sysfs", target: "/sys", fstype: "sysfs", options: "rw,nosuid,nodev,noexec,relatime", size: 0, available: 0 },
    { source: "cgroup", target: "/sys/fs/cgroup", fstype: "cgroup2", options: "rw,nosuid,nodev,noexec,relatime", size: 0, available: 0 },
    tmpfs("tmpfs", "/run", memory / 2, 3 * MiB),
    tmpfs("tmpfs", "/system", memory / 2, 1 * MiB),
    tmpfs("tmpfs", "/tmp", 64 * MiB, 0),
    tmpfs("shm", "/dev/shm", memory / 2, 0),
  ];
  if (node.stage === "maintenance") return table;
  const state = xfs(part("STATE").size);
  const ephemeral = xfs(part("EPHEMERAL").size);
  const varAvailable = Math.max(0, ephemeral - facts.ephemeralUsed);
  table.push(
    { source: `/dev/${part("STATE").id}`, target: "/system/state", fstype: "xfs", options: "rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota", size: state, available: state - 56 * 1024 },
    { source: `/dev/${part("EPHEMERAL").id}`, target: "/var", fstype: "xfs", options: "rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,prjquota", size: ephemeral, available: varAvailable },
  );
  for (const target of ["/etc/cni", "/etc/kubernetes", "/usr/libexec/kubernetes", "/opt"]) {
    table.push({ source: "overlay", target, fstype: "overlay", options: "rw,relatime,lowerdir=/,upperdir=/var/system/overlays/upper,workdir=/var/system/overlays/work", size: ephemeral, available: varAvailable });
  }
  return table;
}

function procFiles(node: SimNode, facts: NodeFacts): FsEntry[] {
  const file = (path: string, content: () => string): FsEntry => ({ path, kind: "file", perm: 0o444, size: 0, content });
  return [
    file("/proc/version", () => `Linux version 6.18.0-talos (@buildkitsandbox) (gcc (GCC) 15.2.0, GNU ld (GNU Binutils) 2.45) #1 SMP Talos ${node.talosVersion}\n`),
    file("/proc/cmdline", () => "talos.platform=metal console=ttyS0 console=tty0 init_on_alloc=1 slab_nomerge pti=on consoleblank=0 nvme_core.io_timeout=4294967295 printk.devkmsg=on selinux=1\n"),
    file("/proc/uptime", () => `${((Date.now() - node.bootedAt.getTime()) / 1000).toFixed(2)} ${(((Date.now() - node.bootedAt.getTime()) / 1000) * facts.cpuCores * 0.9).toFixed(2)}\n`),
    file("/proc/loadavg", () => "0.42 0.37 0.31 2/512 4321\n"),
    file("/proc/meminfo", () =>
      Object.entries(meminfo(facts))
        .map(([key, kib]) => `${`${key}:`.padEnd(16, " ")}${String(kib).padStart(8, " ")} kB\n`)
        .join(""),
    ),
    file("/proc/cpuinfo", () =>
      Array.from({ length: facts.cpuCores }, (_, i) => `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU version 2.5+\ncpu MHz\t\t: 2000.000\ncpu cores\t: ${facts.cpuCores}\n`).join("\n"),
    ),
    file("/proc/mounts", () =>
      mountTable(node, facts)
        .map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0`)
        .join("\n")
        .concat("\n"),
    ),
  ];
}

/** /proc/meminfo fields (kB) the Memory API reports. */
export function meminfo(facts: NodeFacts): Record<string, number> {
  const total = facts.memoryMiB * 1024;
  const used = Math.round(total * 0.31);
  const cached = Math.round(total * 0.22);
  const buffers = Math.round(total * 0.02);
  const free = total - used - cached - buffers;
  return { MemTotal: total, MemFree: free, MemAvailable: free + cached, Buffers: buffers, Cached: cached, SwapCached: 0, Active: Math.round(total * 0.24), Inactive: Math.round(total * 0.19), Shmem: Math.round(total * 0.004), Slab: Math.round(total * 0.03), SwapTotal: 0, SwapFree: 0, CommitLimit: Math.round(total / 2), Committed_AS: Math.round(total * 0.45), VmallocTotal: 34359738367 };
}

/** Every entry of the node's tree, sorted by path (the order filepath.Walk visits). */
export function fsEntries(node: SimNode, cluster: SimCluster): FsEntry[] {
  const facts = nodeFacts(node, cluster.key);
  const entries: FsEntry[] = [];
  const dir = (path: string, perm = 0o755, uid = 0) => entries.push({ path, kind: "dir", perm, size: DIR_SIZE, uid, gid: uid });
  const file = (path: string, size: number, perm = 0o644, content?: () => string) => entries.push({ path, kind: "file", perm, size: content ? Buffer.byteLength(content()) : size, ...(content ? { content } : {}) });
  const symlink = (path: string, link: string) => entries.push({ path, kind: "symlink", perm: 0o777, size: link.length, link });
  for (const path of ["/", "/bin", "/dev", "/etc", "/lib", "/proc", "/run", "/sbin", "/sys", "/system", "/tmp", "/usr", "/usr/bin", "/usr/lib", "/var"]) dir(path);
  file("/sbin/init", 74 * MiB, 0o755);
  file("/bin/containerd", 41 * MiB, 0o755);
  file("/etc/hostname", 0, 0o644, () => `${node.name}\n`);
  file("/etc/hosts", 0, 0o644, () => `127.0.0.1       localhost\n${node.address}     ${node.name}\n::1             localhost ip6-localhost ip6-loopback\nff02::1         ip6-allnodes\nff02::2         ip6-allrouters\n`);
  file("/etc/resolv.conf", 0, 0o644, () => "nameserver 127.0.0.53\n");
  file("/etc/os-release", 0, 0o644, () => `NAME="Talos"\nID=talos\nVERSION_ID=${node.talosVersion}\nPRETTY_NAME="Talos (${node.talosVersion})"\nHOME_URL="https://www.talos.dev/"\nBUG_REPORT_URL="https://github.com/siderolabs/talos/issues"\nVENDOR_NAME="Sidero Labs"\nVENDOR_URL="https://www.siderolabs.com/"\n`);
  for (const proc of procFiles(node, facts)) entries.push({ ...proc, size: 0 });
  if (node.stage !== "maintenance") {
    for (const path of ["/etc/cni", "/etc/cni/net.d", "/etc/kubernetes", "/opt", "/system/state", "/usr/libexec", "/usr/libexec/kubernetes"]) dir(path);
    file("/system/state/config.yaml", 0, 0o600, () => node.config ?? "");
    file("/etc/kubernetes/kubelet.yaml", 0, 0o644, () => `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n  - 10.96.0.10\nclusterDomain: cluster.local\n`);
    file("/etc/kubernetes/bootstrap-kubeconfig", 2_048, 0o600);
    file("/etc/kubernetes/kubeconfig-kubelet", 5_612, 0o600);
    if (node.stage === "running") file("/etc/cni/net.d/10-flannel.conflist", 0, 0o644, () => `{\n  "name": "cbr0",\n  "cniVersion": "1.0.0",\n  "plugins": [{ "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } }, { "type": "portmap", "capabilities": { "portMappings": true } }]\n}\n`);
    varTree(node, cluster, facts, { dir, file, symlink });
  }
  return entries.sort((a, b) => walkOrder(a.path, b.path));
}

interface Writers {
  dir: (path: string, perm?: number, uid?: number) => void;
  file: (path: string, size: number, perm?: number) => void;
  symlink: (path: string, link: string) => void;
}

/** /var, filled so that its file sizes add up to what EPHEMERAL has in use. */
function varTree(node: SimNode, cluster: SimCluster, facts: NodeFacts, { dir, file, symlink }: Writers): void {
  const used = normalVarUsage(node, facts);
  for (const path of ["/var/lib", "/var/lib/cni", "/var/lib/containerd", "/var/lib/containerd/io.containerd.content.v1.content", "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", "/var/lib/kubelet", "/var/lib/kubelet/pods", "/var/log", "/var/log/audit", "/var/log/containers", "/var/log/pods", "/var/mnt"]) dir(path, path.startsWith("/var/lib") ? 0o700 : 0o755);
  symlink("/var/run", "/run");
  file("/var/lib/containerd/io.containerd.content.v1.content/blobs", Math.round(used * 0.42));
  file("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots", Math.round(used * 0.38));
  file("/var/lib/kubelet/pods/volumes", Math.round(used * 0.06));
  if (node.role === "controlplane") {
    dir("/var/lib/etcd", 0o700, 60);
    dir("/var/lib/etcd/member", 0o700, 60);
    dir("/var/lib/etcd/member/snap", 0o700, 60);
    dir("/var/lib/etcd/member/wal", 0o700, 60);
    file("/var/lib/etcd/member/snap/db", Math.round(used * 0.05), 0o600);
    file("/var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal", 64 * MiB, 0o600);
    dir("/var/log/audit/kube", 0o700, 65534);
    file("/var/log/audit/kube/kube-apiserver.log", Math.round(used * 0.03), 0o600);
  }
  const logged = podsOf(node, cluster);
  for (const pod of logged) {
    const podDir = `/var/log/pods/${pod.namespace}_${pod.name}_${pod.uid}`;
    dir(podDir);
    for (const container of pod.containers) {
      dir(`${podDir}/${container.name}`);
      const filler = pod.name === loggerPodName(node) ? facts.ephemeralUsed - used : 180_000;
      file(`${podDir}/${container.name}/0.log`, filler, 0o640);
    }
  }
}

/** filepath.Walk's order: a directory, then its entries by name (bytewise), each subtree in turn. */
function walkOrder(a: string, b: string): number {
  const [x, y] = [a.split("/"), b.split("/")];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

/** The entry at `path`, following nothing (lstat). */
export function lookup(entries: FsEntry[], path: string): FsEntry | undefined {
  return entries.find((entry) => entry.path === path);
}

/** Entries directly or transitively below a directory, in walk order. */
export function below(entries: FsEntry[], root: string): FsEntry[] {
  const prefix = root === "/" ? "/" : `${root}/`;
  return entries.filter((entry) => entry.path !== root && entry.path.startsWith(prefix));
}

/** Depth of `path` below `root` (children are 1). */
export function depthBelow(root: string, path: string): number {
  const rel = root === "/" ? path.slice(1) : path.slice(root.length + 1);
  return rel ? rel.split("/").length : 0;
}

/** Go's FileMode of an entry. */
export function goMode(entry: FsEntry): number {
  return (entry.kind === "dir" ? GO_MODE_DIR : entry.kind === "symlink" ? GO_MODE_SYMLINK : 0) + entry.perm;
}
