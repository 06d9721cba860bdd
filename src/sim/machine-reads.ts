// The read-only methods of the machine API (and the time API) that troubleshooting uses:
// containers, stats, processes, memory, mounts, netstat, etcd alarms, hostname, load average,
// time, and the file reads (read, list, usage) — each answered from the node's model
// (workloads.ts, node-fs.ts, node-facts.ts) the way machined answers it, errors included.
import * as grpc from "@grpc/grpc-js";
import type { SimCluster, SimNode } from "./cluster.js";
import { SimError, ts } from "./errors.js";
import { below, depthBelow, fsEntries, goMode, lookup, meminfo, mountTable } from "./node-fs.js";
import { nodeFacts } from "./node-facts.js";
import { containersOf, imagesOf, processesOf } from "./workloads.js";

type Handler = (node: SimNode, request: any) => Record<string, unknown>;
type Send = (message: Record<string, unknown>) => void;
type StreamHandler = (node: SimNode, request: any, send: Send) => void;

/** machined's checkControlplane. */
export function requireControlPlane(node: SimNode, api: string): void {
  if (node.role !== "controlplane") throw new SimError(grpc.status.UNIMPLEMENTED, `${api} is only available on control plane nodes`);
}

export function requireEtcd(node: SimNode, api: string): void {
  requireControlPlane(node, api);
  if (node.etcd !== "running") throw new SimError(grpc.status.UNAVAILABLE, "etcd is not running on this node (etcd service is not up)");
}

/** The containerd namespace an image call names (common.ContainerdNamespace); machined refuses any other. */
export function containerdNamespace(value: string): "system" | "k8s.io" {
  if (value === "NS_SYSTEM") return "system";
  if (value === "NS_CRI") return "k8s.io";
  throw new SimError(grpc.status.INVALID_ARGUMENT, `invalid namespace ${value}`);
}

/** The containerd namespace a request names (talosctl sends "system" or "k8s.io"). */
const namespaceOf = (request: { namespace?: string }) => request.namespace || "system";

/** A NTP server Talos would query when none is configured. */
const NTP_SERVER = "time.cloudflare.com";

function timeAnswer(node: SimNode, server: string): Record<string, unknown> {
  if (node.faults.timeNotSynced) {
    throw new SimError(grpc.status.UNKNOWN, `error querying NTP server "${server}": read udp ${node.address}:41205->162.159.200.1:123: i/o timeout`);
  }
  const now = new Date();
  return { server, localtime: ts(now), remotetime: ts(new Date(now.getTime() + 3)) };
}

interface Socket {
  proto: "tcp" | "tcp6" | "udp" | "udp6";
  local: [string, number];
  remote: [string, number];
  state: "LISTEN" | "ESTABLISHED" | "CLOSE";
  process: string;
}

/** Sockets of the node: Talos's and Kubernetes' listeners, etcd peers, kubelet to the API server. */
function sockets(node: SimNode, cluster: SimCluster): Socket[] {
  const any6: [string, number] = ["::", 0];
  const any4: [string, number] = ["0.0.0.0", 0];
  const listen = (proto: Socket["proto"], ip: string, port: number, process: string): Socket => ({ proto, local: [ip, port], remote: proto.endsWith("6") ? any6 : any4, state: proto.startsWith("udp") ? "CLOSE" : "LISTEN", process });
  const out: Socket[] = [listen("tcp6", "::", 50000, "apid"), listen("tcp", "127.0.0.53", 53, "machined"), listen("udp", "127.0.0.53", 53, "machined")];
  if (node.stage === "maintenance") return out;
  const running = node.stage === "running";
  if (node.role === "controlplane") {
    out.push(listen("tcp6", "::", 50001, "trustd"));
    if (node.etcd === "running") out.push(listen("tcp", node.address, 2379, "etcd"), listen("tcp", "127.0.0.1", 2379, "etcd"), listen("tcp", node.address, 2380, "etcd"));
    if (running) out.push(listen("tcp6", "::", 6443, "kube-apiserver"), listen("tcp", "127.0.0.1", 10257, "kube-controller-manager"), listen("tcp", "127.0.0.1", 10259, "kube-scheduler"));
  }
  if (running) out.push(listen("tcp", "127.0.0.1", 7445, "machined"), listen("tcp", "127.0.0.1", 10248, "kubelet"), listen("tcp6", "::", 10250, "kubelet"), listen("tcp6", "::", 10256, "kube-proxy"));
  if (cluster.scenario.kubespan) out.push(listen("udp6", "::", 51820, "kernel"));
  // Established: etcd peers (lower address dials), and the kubelet's watch on an API server.
  if (node.etcd === "running") {
    cluster.etcdMembersOf(node.etcdCluster).filter((peer) => peer !== node && peer.etcd === "running").forEach((peer, index) => {
      const dials = node.address < peer.address;
      out.push({ proto: "tcp", local: [node.address, dials ? 48_210 + index : 2380], remote: [peer.address, dials ? 2380 : 51_034 + index], state: "ESTABLISHED", process: "etcd" });
    });
  }
  const apiServer = cluster.peersOf(node).find((peer) => peer.role === "controlplane" && peer.stage === "running");
  if (running && apiServer) out.push({ proto: "tcp", local: [node.address, 39_874], remote: [apiServer.address, 6443], state: "ESTABLISHED", process: "kubelet" });
  return out;
}

function netstat(node: SimNode, cluster: SimCluster, request: { filter?: string; l4proto?: Record<string, boolean>; feature?: { pid?: boolean } }): Record<string, unknown> {
  const protos = request.l4proto ?? {};
  const pids: Record<string, number> = Object.fromEntries(processesOf(node, cluster).map((p) => [p.command, p.pid]));
  const records = sockets(node, cluster)
    .filter((s) => protos[s.proto])
    .filter((s) => (request.filter === "LISTENING" ? s.remote[1] === 0 : request.filter === "CONNECTED" ? s.remote[1] !== 0 : true))
    .map((s, index) => ({
      l4proto: s.proto,
      localip: s.local[0],
      localport: s.local[1],
      remoteip: s.remote[0],
      remoteport: s.remote[1],
      state: s.state,
      txqueue: 0,
      rxqueue: 0,
      tr: s.state === "ESTABLISHED" ? "KEEPALIVE" : "OFF",
      timerwhen: 0,
      retrnsmt: 0,
      uid: 0,
      timeout: 0,
      inode: 20_000 + index * 17,
      ref: 0,
      pointer: 0,
      process: request.feature?.pid ? { pid: pids[s.process.slice(0, 15)] ?? 1, name: s.process } : {},
      netns: "",
    }));
  return { connectrecord: records };
}

export function readUnaryHandlers(cluster: SimCluster): Record<string, Handler> {
  return {
    Hostname: (node) => ({ hostname: node.name }),
    LoadAvg: () => ({ load1: 0.42, load5: 0.37, load15: 0.31 }),
    Containers: (node, request: { namespace?: string }) => ({
      containers: containersOf(node, cluster, namespaceOf(request)).map((c) => ({
        namespace: namespaceOf(request),
        id: c.id,
        uid: "",
        internal_id: c.namespace === "system" ? c.id : c.id.split(":").pop(),
        image: c.image,
        pid: c.pid,
        status: c.status,
        pod_id: c.podId,
        name: c.name,
        network_namespace: "",
      })),
    }),
    Stats: (node, request: { namespace?: string }) => ({
      stats: containersOf(node, cluster, namespaceOf(request))
        .filter((c) => c.pid > 0)
        .map((c) => ({ namespace: namespaceOf(request), id: c.id, memory_usage: c.memoryBytes, cpu_usage: c.cpuNanos, pod_id: c.podId, name: c.name })),
    }),
    Processes: (node) => ({ processes: processesOf(node, cluster) }),
    Memory: (node) => ({ meminfo: Object.fromEntries(Object.entries(meminfo(nodeFacts(node, cluster.key))).map(([key, kib]) => [key.toLowerCase().replace(/_/g, ""), kib])) }),
    Mounts: (node) => ({ stats: mountTable(node, nodeFacts(node, cluster.key)).map((m) => ({ filesystem: m.source, size: m.size, available: m.available, mounted_on: m.target })) }),
    Netstat: (node, request) => netstat(node, cluster, request),
    EtcdAlarmList: (node) => {
      requireEtcd(node, "etcd alarm list");
      const alarms = cluster.etcdMembersOf(node.etcdCluster).filter((member) => member.faults.ephemeralFull && member.etcd === "running");
      return { member_alarms: alarms.map((member) => ({ member_id: parseInt(member.etcdMemberId!, 16), alarm: "NOSPACE" })) };
    },
    Time: (node) => timeAnswer(node, NTP_SERVER),
    TimeCheck: (node, request: { server?: string }) => timeAnswer(node, request.server || NTP_SERVER),
  };
}

export function readStreamHandlers(cluster: SimCluster): Record<string, StreamHandler> {
  return {
    Read: (node, request: { path: string }, send) => {
      const entry = lookup(fsEntries(node, cluster), request.path);
      if (!entry) throw new SimError(grpc.status.NOT_FOUND, `stat ${request.path}: no such file or directory`);
      if (entry.kind !== "file") throw new SimError(grpc.status.UNKNOWN, "path must be a regular file");
      if (!entry.content) throw new SimError(grpc.status.UNIMPLEMENTED, `reading ${request.path} is not simulated: only text files have content in the simulator`);
      send({ bytes: Buffer.from(entry.content()) });
    },
    List: (node, request: { root?: string; recurse?: boolean; recursion_depth?: number; types?: string[] }, send) => {
      const root = (`/${request.root ?? ""}`.replace(/\/+/g, "/").replace(/(.)\/$/, "$1")) || "/";
      const entries = fsEntries(node, cluster);
      const top = lookup(entries, root);
      if (!top) throw new SimError(grpc.status.UNKNOWN, `lstat ${root}: no such file or directory`);
      const depth = request.recurse ? (request.recursion_depth ? request.recursion_depth : -1) : 0;
      const kinds = new Set((request.types ?? []).map((type) => ({ REGULAR: "file", DIRECTORY: "dir", SYMLINK: "symlink" })[type]));
      const visible = [top, ...below(entries, root).filter((entry) => depth < 0 || depthBelow(root, entry.path) <= Math.max(depth, 1))];
      for (const entry of visible) {
        if (kinds.size > 0 && !kinds.has(entry.kind)) continue;
        const relative = entry === top ? (top.kind === "dir" ? "." : root.split("/").pop()!) : root === "/" ? entry.path.slice(1) : entry.path.slice(root.length + 1);
        send({ name: entry.path, relative_name: relative, size: entry.size, mode: goMode(entry), modified: Math.floor(node.bootedAt.getTime() / 1000), is_dir: entry.kind === "dir", link: entry.link ?? "", uid: entry.uid ?? 0, gid: entry.gid ?? 0, xattrs: [] });
      }
    },
    DiskUsage: (node, request: { paths?: string[]; recursion_depth?: number; all?: boolean; threshold?: number }, send) => {
      const entries = fsEntries(node, cluster);
      const maxDepth = request.recursion_depth ?? 0;
      const threshold = Number(request.threshold ?? 0);
      const emit = (path: string, relative: string, size: number, depth: number, isDir: boolean) => {
        const skip = (depth >= maxDepth && maxDepth > 0) || (!isDir && !request.all) || (threshold > 0 && size < threshold) || (threshold < 0 && size > -threshold);
        if (!skip) send({ name: path, relative_name: relative, size });
      };
      for (const raw of request.paths ?? []) {
        const root = (`/${raw}`.replace(/\/+/g, "/").replace(/(.)\/$/, "$1")) || "/";
        const top = lookup(entries, root);
        if (!top) {
          send({ name: root, relative_name: root, error: `lstat ${root}: no such file or directory` });
          continue;
        }
        // Post-order, lexical: files as they come, a directory once everything below it is counted.
        const walk = (entry: typeof top): number => {
          const relative = entry === top ? "." : entry.path.slice(root === "/" ? 1 : root.length + 1);
          if (entry.kind !== "dir") {
            emit(entry.path, relative, entry.size, depthBelow(root, entry.path), false);
            return entry.size;
          }
          const children = below(entries, entry.path).filter((child) => depthBelow(entry.path, child.path) === 1);
          const total = children.reduce((sum, child) => sum + walk(child), entry.size);
          emit(entry.path, relative, total, depthBelow(root, entry.path), true);
          return total;
        };
        walk(top);
      }
    },
    // talosctl asks for the CRI namespace unless told `--namespace system`.
    ImageList: (node, request: { namespace: string }, send) => {
      for (const image of imagesOf(node, cluster, containerdNamespace(request.namespace))) {
        send({ name: image.name, digest: image.digest, size: image.size, created_at: ts(node.bootedAt) });
      }
    },
  };
}
