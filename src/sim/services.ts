// Talos services of a simulated node (machined's service runner): which run on which node, their
// state, health and event history, and their logs — including a service that keeps crashing
// (the crashLoop fault), whose restarts show in `talosctl service` and whose errors show in `logs`.
import type { SimNode } from "./cluster.js";

export interface ServiceEvent {
  state: string;
  msg: string;
  at: Date;
}

export interface ServiceState {
  id: string;
  state: string;
  health: "OK" | "Fail" | "?";
  /** The last health message (empty when healthy). */
  healthMessage: string;
  /** Oldest first, as machined keeps them. */
  events: ServiceEvent[];
}

/** How often a crash-looping service goes around (start, fail, back-off). */
export const CRASH_PERIOD_MS = 10_000;
const CRASH_EVENTS_KEPT = 6;

/** Why each service a crashLoop fault can hit dies: the last line of its log. */
export const CRASH_CAUSES: Record<string, { exitCode: number; lastLog: string }> = {
  kubelet: { exitCode: 1, lastLog: `E0000 00:00:00.000000    2231 run.go:72] "command failed" err="failed to parse kubelet flag: unknown flag: --feature-gate"` },
  etcd: { exitCode: 2, lastLog: `{"level":"panic","msg":"failed to recover v3 backend from snapshot","error":"failed to find database snapshot file (snap: snapshot file doesn't exist)"}` },
  trustd: { exitCode: 1, lastLog: "trustd: failed to load the OS root CA: secrets are not ready: x509: malformed certificate" },
};

/** Containerd-run services (the others run as processes or goroutines of machined). */
const CONTAINERIZED = new Set(["apid", "etcd", "kubelet", "trustd"]);
/** PIDs of the Talos daemons (machined is PID 1); containers and `processes` show the same. */
export const PIDS: Record<string, number> = { apid: 1734, auditd: 0, containerd: 1420, cri: 1689, dashboard: 1702, etcd: 2105, kubelet: 2231, machined: 1, syslogd: 0, trustd: 1751, udevd: 1398 };

function startedMessage(id: string): string {
  if (CONTAINERIZED.has(id)) return `Started task ${id} (PID ${PIDS[id]}) for container ${id}`;
  if (id === "auditd" || id === "syslogd" || id === "machined") return "Service started as goroutine";
  return `Process Process(["/sbin/${id}"]) started with PID ${PIDS[id]}`;
}

const withoutHealthCheck = (id: string, at: Date): ServiceState => ({
  id,
  state: "Running",
  health: "?",
  healthMessage: "",
  events: [
    { state: "Preparing", msg: "Running pre state", at },
    { state: "Running", msg: startedMessage(id), at },
  ],
});

const healthy = (id: string, at: Date): ServiceState => {
  const started = withoutHealthCheck(id, at);
  return { ...started, health: "OK", events: [...started.events, { state: "Running", msg: "Health check successful", at }] };
};

/** The events of a service that fails every CRASH_PERIOD_MS since boot: Running, then Waiting. */
function crashLooping(id: string, bootedAt: Date, now: Date): ServiceState {
  const cause = CRASH_CAUSES[id]!;
  const failure = `Error running Containerd(${id}), going to restart forever: task "${id}" failed: exit code ${cause.exitCode} (last log ${JSON.stringify(cause.lastLog)})`;
  const events: ServiceEvent[] = [];
  const cycles = Math.max(1, Math.floor((now.getTime() - bootedAt.getTime()) / CRASH_PERIOD_MS) + 1);
  for (let cycle = Math.max(0, cycles - CRASH_EVENTS_KEPT / 2); cycle < cycles; cycle += 1) {
    const start = new Date(bootedAt.getTime() + cycle * CRASH_PERIOD_MS);
    events.push({ state: "Running", msg: startedMessage(id), at: start }, { state: "Waiting", msg: failure, at: new Date(start.getTime() + 2_000) });
  }
  return { id, state: "Waiting", health: "Fail", healthMessage: failure, events: events.filter((e) => e.at <= now) };
}

/** How many times a crash-looping service has been restarted so far. */
export function restartsOf(node: SimNode, now = new Date()): number {
  return Math.floor((now.getTime() - node.bootedAt.getTime()) / CRASH_PERIOD_MS);
}

/** Talos services of a node, derived from its stage, role, etcd state and faults. */
export function serviceStates(node: SimNode, now = new Date()): ServiceState[] {
  const at = node.bootedAt;
  if (node.stage === "maintenance") return [withoutHealthCheck("apid", at), healthy("machined", at)];
  const services: ServiceState[] = [
    healthy("apid", at),
    withoutHealthCheck("auditd", at),
    healthy("containerd", at),
    healthy("cri", at),
    withoutHealthCheck("dashboard", at),
    healthy("machined", at),
    withoutHealthCheck("syslogd", at),
    healthy("udevd", at),
    node.stage === "running" ? healthy("kubelet", at) : { ...withoutHealthCheck("kubelet", at), health: "?" },
  ];
  if (node.role === "controlplane") {
    services.push(healthy("trustd", at));
    const etcd: Record<SimNode["etcd"], ServiceState> = {
      waiting: { id: "etcd", state: "Preparing", health: "?", healthMessage: "", events: [{ state: "Preparing", msg: "Running pre state", at }] },
      none: { id: "etcd", state: "Preparing", health: "?", healthMessage: "", events: [{ state: "Preparing", msg: "Running pre state", at }] },
      running: healthy("etcd", at),
      down: { id: "etcd", state: "Failed", health: "Fail", healthMessage: "etcd member is down", events: [{ state: "Failed", msg: "Failed to run pre stage: etcd member is down", at }] },
    };
    services.push(etcd[node.etcd]);
  }
  const crash = node.faults.crashLoop;
  return services
    .filter((service) => node.restarting[service.id] !== "stopped")
    .map((service) => (node.restarting[service.id] === "starting" ? withoutHealthCheck(service.id, now) : service))
    .map((service) => (service.id === crash && node.stage !== "installed" ? crashLooping(crash, at, now) : service))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The service's log as `talosctl logs <id>` prints it. */
export function serviceLog(node: SimNode, service: ServiceState): string[] {
  const lines = [`${service.id}: starting ${service.id} (Talos ${node.talosVersion})`];
  if (service.id === node.faults.crashLoop && service.state === "Waiting") {
    const cause = CRASH_CAUSES[service.id]!;
    for (let restart = 0; restart <= Math.min(restartsOf(node), 4); restart += 1) lines.push(cause.lastLog);
    return lines;
  }
  lines.push(`${service.id}: state ${service.state}: ${service.events.at(-1)?.msg ?? ""}`);
  if (service.id === "etcd" && node.etcd === "running") {
    lines.push(`{"level":"info","msg":"serving client traffic securely","address":"${node.address}:2379"}`);
    if (node.faults.ephemeralFull) lines.push(`{"level":"warn","msg":"alarm raised","alarm":"NOSPACE","from":"${node.etcdMemberId?.padStart(16, "0")}"}`, `{"level":"error","msg":"failed to write WAL","error":"write /var/lib/etcd/member/wal/0.tmp: no space left on device"}`);
  }
  if (service.id === "kubelet" && node.faults.ephemeralFull) {
    lines.push(`W0000 00:00:00.000000    2231 eviction_manager.go:367] "Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"`, `E0000 00:00:00.000000    2231 kubelet.go:1589] "Image garbage collection failed" err="failed to garbage collect required amount of images. Attempted to free 5368709120 bytes, but only found 0 bytes eligible to free."`);
  }
  return lines;
}
