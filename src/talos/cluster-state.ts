// What the server knows about a cluster it operates: which nodes it applied configs to (and as
// what), and every bootstrap it ran — the ledger behind rule bootstrap-once. The file backend
// stores it as JSON next to the cluster's configs (workspace clusters) or in the state dir
// (talosconfig contexts), rewritten atomically so a crash never leaves a torn ledger; the
// kubernetes backend keeps the same JSON in a ConfigMap (src/state/kubernetes-backend.ts).
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";

export type NodeRole = "controlplane" | "worker";

export interface BootstrapRecord {
  node: string;
  at: string;
  outcome: "bootstrapped" | "already-bootstrapped" | "recovered";
}

export interface ClusterState {
  nodes: Record<string, { role: NodeRole; appliedAt: string }>;
  bootstraps: BootstrapRecord[];
}

export const EMPTY_CLUSTER_STATE: ClusterState = { nodes: {}, bootstraps: [] };

/** One cluster's ledger, wherever it is stored. */
export interface ClusterLedger {
  read(): Promise<ClusterState>;
  /** Read-modify-write that never loses a concurrent entry. */
  update(change: (state: ClusterState) => void): Promise<ClusterState>;
  /** The control-plane nodes configs were applied to (the endpoints of workspace clusters). */
  controlPlanes(): Promise<string[]>;
}

/** The state as stored (JSON), with missing lists filled in. */
export function parseClusterState(text: string): ClusterState {
  const parsed = JSON.parse(text) as Partial<ClusterState>;
  return { nodes: parsed.nodes ?? {}, bootstraps: parsed.bootstraps ?? [] };
}

export function controlPlanesOf({ nodes }: ClusterState): string[] {
  return Object.entries(nodes)
    .filter(([, node]) => node.role === "controlplane")
    .map(([address]) => address);
}

/**
 * Pending updates per ledger file. Per file, not per store: every tool call builds its own store,
 * and two calls updating one ledger through two stores would otherwise both read the old state and
 * the second write would drop the first one's entry (a lost bootstrap record).
 */
const queues = new Map<string, Promise<unknown>>();

export class ClusterStateStore implements ClusterLedger {
  constructor(readonly file: string) {}

  async read(): Promise<ClusterState> {
    try {
      return parseClusterState(await readFile(this.file, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return structuredClone(EMPTY_CLUSTER_STATE);
      throw new Error(`cluster state ${this.file} is unreadable (${(error as Error).message}); fix or remove it`);
    }
  }

  /** Serialised read-modify-write per file, so concurrent calls never lose an entry. */
  update(change: (state: ClusterState) => void): Promise<ClusterState> {
    const key = resolve(this.file);
    const next = (queues.get(key) ?? Promise.resolve()).then(async () => {
      const state = await this.read();
      change(state);
      await writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
      return state;
    });
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, settled);
    // Forget the file once nothing is pending, so the map does not grow with every cluster seen.
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  }

  async controlPlanes(): Promise<string[]> {
    return controlPlanesOf(await this.read());
  }
}
