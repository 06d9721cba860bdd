// The state backend for several replicas: the Kubernetes API is the coordination engine, in one
// namespace, with only the verbs the Helm chart's Role grants (charts/talos-mcp/templates/role.yaml):
//   lock      a coordination.k8s.io/v1 Lease per cluster (get, create, update), renewed while a
//             call runs, released after, taken over only once it went unrenewed for its duration
//             as this replica observed it (no trust in other replicas' clocks);
//   ledger    a ConfigMap per cluster (get, create, update), every write checked against the
//             resourceVersion it read, so concurrent writers retry instead of losing an entry;
//   approvals a Secret per plan, per decision and per use (get, list, create, delete): created
//             once, so the first decision and the first use win (AlreadyExists for the rest).
// Names carry a hash of the cluster's id; the id itself is kept in an annotation for people.
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { REQUEST_STATE_KEY_BYTES } from "../server/request-state.js";
import { isPlanId, type ApprovalStore, type PlanDecision, type PlanRecord, type PlanState } from "../server/approval-store.js";
import { V1MicroTime, type V1Lease, type V1Secret } from "@kubernetes/client-node";
import { KubeApiError } from "../kubernetes/api-error.js";
import type { StateObjects } from "./kube-objects.js";
import { EMPTY_CLUSTER_STATE, controlPlanesOf, parseClusterState, type ClusterLedger, type ClusterState } from "../talos/cluster-state.js";
import { ToolError } from "../server/errors.js";
import { LockBusy, reaching, type HeldLock, type LockRequest, type StateBackend } from "./backend.js";

export interface KubernetesStateOptions {
  /** The Leases, ConfigMaps and Secrets of the state's namespace. */
  objects: StateObjects;
  /** This replica's name (the pod's), the first part of every lock holder's identity. */
  replica: string;
  /** A lock not renewed for this long may be taken over, seconds. */
  leaseSeconds: number;
  /** How long a call waits for another call's lock, ms. */
  waitMs: number;
  /** Polling interval while waiting for a lock, ms. */
  pollMs?: number;
  now?: () => number;
}

const MANAGED_BY = { "app.kubernetes.io/managed-by": "talos-mcp" };
const KIND_LABEL = "talos-mcp.io/kind";
const PLAN_LABEL = "talos-mcp.io/plan";
const SCOPE_ANNOTATION = "talos-mcp.io/scope";
/** Plan records older than this past their expiry are removed when new plans are created. */
const KEEP_EXPIRED_MS = 24 * 60 * 60_000;
/** At most one sweep of expired plans per this interval and replica. */
const SWEEP_EVERY_MS = 10 * 60_000;
/** Optimistic writes retried on a resourceVersion conflict, with a short random pause between. */
const WRITE_ATTEMPTS = 25;

const hashOf = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 16);
const isStatus = (error: unknown, status: number) => error instanceof KubeApiError && error.status === status;

export class KubernetesStateBackend implements StateBackend {
  readonly kind = "kubernetes" as const;
  readonly approvals: KubernetesApprovalStore;
  readonly where: string;
  /** The namespace's objects (closed with the backend), shared by whatever else reads this namespace. */
  readonly objects: StateObjects;
  private readonly now: () => number;
  /** When this replica first saw each lease's current resourceVersion: expiry by our own clock. */
  private readonly observed = new Map<string, { resourceVersion: string; at: number }>();
  /** The last ledger read per cluster: endpoints for reads while the API cannot be reached. */
  private readonly lastLedgers = new Map<string, ClusterState>();
  /** Stops the renewals of each lock this replica holds (called on release and on close). */
  private readonly holds = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: KubernetesStateOptions) {
    this.objects = options.objects;
    this.now = options.now ?? Date.now;
    this.where = `Kubernetes API ${options.objects.server}, namespace ${options.objects.namespace}`;
    this.approvals = new KubernetesApprovalStore(options.objects, this.where, this.now);
  }

  ledger(targetId: string): ClusterLedger {
    const name = `talos-mcp-ledger-${hashOf(targetId)}`;
    const read = async () => {
      const current = await this.objects.configMaps.read(name);
      const text = current?.data?.["state.json"];
      const state = text ? parseClusterState(text) : structuredClone(EMPTY_CLUSTER_STATE);
      this.lastLedgers.set(targetId, state);
      return { state, current };
    };
    return {
      read: () => reaching(this.where, async () => (await read()).state),
      update: (change) =>
        reaching(this.where, async () => {
          for (let attempt = 1; ; attempt++) {
            const { state, current } = await read();
            change(state);
            const data = { "state.json": `${JSON.stringify(state, null, 2)}\n` };
            try {
              if (current) await this.objects.configMaps.replace({ ...current, data });
              else await this.objects.configMaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { ...MANAGED_BY, [KIND_LABEL]: "ledger" }, annotations: { [SCOPE_ANNOTATION]: targetId } }, data });
              this.lastLedgers.set(targetId, state);
              return state;
            } catch (error) {
              // Someone else wrote in between (409 on a stale resourceVersion or on create): read again.
              if (!isStatus(error, 409)) throw error;
              if (attempt >= WRITE_ATTEMPTS) throw new ToolError(`the ledger of ${targetId} kept changing under this write (${WRITE_ATTEMPTS} attempts); nothing was recorded`, { next: "try again" });
              await sleep(10 + Math.floor(Math.random() * 40 * Math.min(attempt, 5)));
            }
          }
        }),
      controlPlanes: async () => {
        try {
          return controlPlanesOf(await reaching(this.where, async () => (await read()).state));
        } catch (error) {
          // Reads keep working while the API is away, from what this replica saw last.
          const last = this.lastLedgers.get(targetId);
          if (last) return controlPlanesOf(last);
          throw error;
        }
      },
    };
  }

  async lock(scope: string, request: LockRequest): Promise<HeldLock> {
    const name = `talos-mcp-lock-${hashOf(scope)}`;
    const identity = `${this.options.replica}/${request.holder}/${randomBytes(4).toString("hex")}`;
    const duration = this.options.leaseSeconds;
    const started = this.now();
    const claim = (previous?: V1Lease): V1Lease => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: previous?.metadata ?? { name, labels: { ...MANAGED_BY, [KIND_LABEL]: "lock" }, annotations: { [SCOPE_ANNOTATION]: scope } },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: duration,
        acquireTime: new V1MicroTime(this.now()),
        renewTime: new V1MicroTime(this.now()),
        leaseTransitions: (previous?.spec?.leaseTransitions ?? 0) + (previous ? 1 : 0),
      },
    });
    return reaching(this.where, async () => {
      for (;;) {
        request.signal.throwIfAborted();
        const current = await this.objects.leases.read(name);
        const sentAt = this.now();
        try {
          if (!current) return this.hold(await this.objects.leases.create(claim()), sentAt);
          if (!current.spec?.holderIdentity || this.expired(name, current)) return this.hold(await this.objects.leases.replace(claim(current)), sentAt);
        } catch (error) {
          // Another replica created or took it first: look again.
          if (!isStatus(error, 409)) throw error;
          continue;
        }
        const waited = this.now() - started;
        if (waited >= this.options.waitMs) throw new LockBusy(scope, current.spec?.holderIdentity, waited);
        await sleep(this.options.pollMs ?? 500, undefined, { signal: request.signal });
      }
    });
  }

  /** Expired when its resourceVersion has not changed for a lease duration, by this replica's clock. */
  private expired(name: string, lease: V1Lease): boolean {
    const version = lease.metadata?.resourceVersion ?? "";
    const seen = this.observed.get(name);
    if (!seen || seen.resourceVersion !== version) {
      this.observed.set(name, { resourceVersion: version, at: this.now() });
      return false;
    }
    return this.now() - seen.at >= (lease.spec?.leaseDurationSeconds ?? this.options.leaseSeconds) * 1000;
  }

  /**
   * Keeps the Lease renewed while the call runs. Another replica may take it over a lease duration
   * after it first saw our last renewal, which reached the API after we sent it; so the lock counts
   * as lost once no renewal sent in the last two renewal periods has succeeded — a third of a lease
   * before anyone else may take it, time enough for the call to stop its work.
   */
  private hold(acquired: V1Lease, sentAt: number): HeldLock {
    const lost = new AbortController();
    const durationMs = this.options.leaseSeconds * 1000;
    const renewEveryMs = Math.max(200, Math.floor(durationMs / 3));
    const giveUpAfterMs = durationMs - renewEveryMs;
    let current = acquired;
    let lastError = "no renewal answered";
    const giveUpAt = (renewalSentAt: number) =>
      setTimeout(() => {
        lost.abort(new Error(`the lock could not be renewed for ${giveUpAfterMs / 1000} s of its ${this.options.leaseSeconds} s lease: ${lastError}`));
        stop();
      }, renewalSentAt + giveUpAfterMs - this.now()).unref();
    let deadline = giveUpAt(sentAt);
    let next: NodeJS.Timeout | undefined;
    let renewing: Promise<void> | undefined;
    const stop = () => {
      clearTimeout(deadline);
      clearTimeout(next);
      this.holds.delete(stop);
    };
    // One renewal at a time: an overlapping one would carry a stale resourceVersion and conflict.
    const renew = async () => {
      const renewalSentAt = this.now();
      try {
        current = await this.objects.leases.replace({ ...current, spec: { ...current.spec, renewTime: new V1MicroTime(renewalSentAt) } });
        if (lost.signal.aborted || !this.holds.has(stop)) return;
        clearTimeout(deadline);
        deadline = giveUpAt(renewalSentAt);
      } catch (error) {
        // A conflict means someone else wrote the lease: it is no longer ours. Other failures are
        // retried until the deadline above gives the lock up.
        if (isStatus(error, 409)) lost.abort(new Error("the lock was taken over by another replica"));
        lastError = (error as Error).message;
      }
      if (lost.signal.aborted) stop();
      else if (this.holds.has(stop)) schedule();
    };
    const schedule = () => (next = setTimeout(() => void (renewing = renew()), renewEveryMs).unref());
    this.holds.add(stop);
    schedule();
    return {
      lost: lost.signal,
      release: async () => {
        stop();
        // A renewal still on its way would make the release below carry a stale resourceVersion.
        await renewing;
        if (lost.signal.aborted) return;
        const { holderIdentity: _released, ...spec } = current.spec ?? {};
        // An unreleased lease expires on its own; a failed release only makes the next call wait.
        await this.objects.leases.replace({ ...current, spec: { ...spec, renewTime: new V1MicroTime(this.now()) } }).catch(() => undefined);
      },
    };
  }

  /** A create-once Secret: the first replica's random key wins, every replica reads that one. */
  requestStateKey(): Promise<Uint8Array> {
    const name = "talos-mcp-request-state-key";
    return reaching(this.where, async () => {
      const read = async () => {
        const data = (await this.objects.secrets.read(name))?.data?.key;
        return data === undefined ? undefined : new Uint8Array(Buffer.from(data, "base64"));
      };
      const existing = await read();
      if (existing) return existing;
      await this.objects.secrets
        .create({
          apiVersion: "v1",
          kind: "Secret",
          type: "Opaque",
          metadata: { name, labels: { ...MANAGED_BY, [KIND_LABEL]: "request-state-key" } },
          data: { key: randomBytes(REQUEST_STATE_KEY_BYTES).toString("base64") },
        })
        .catch((error: unknown) => {
          if (!isStatus(error, 409)) throw error;
        });
      const key = await read();
      if (!key || key.length !== REQUEST_STATE_KEY_BYTES) throw new Error(`the Secret ${name} holds no ${REQUEST_STATE_KEY_BYTES}-byte key: delete it (a new one is created)`);
      return key;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.holds]) stop();
    this.objects.close();
  }
}

type PlanPart = "plan" | "decision" | "redeemed";

/** Plans, decisions and uses as create-once Secrets (plans carry the approval page's secret). */
export class KubernetesApprovalStore implements ApprovalStore {
  private lastSweep = 0;

  constructor(
    private readonly objects: StateObjects,
    private readonly where: string,
    private readonly now: () => number,
  ) {}

  private name(id: string, part: PlanPart): string {
    return part === "plan" ? `talos-mcp-${id}` : `talos-mcp-${id}-${part}`;
  }

  /** Creates the part once: false when it already exists. */
  private async publish(id: string, part: PlanPart, value: unknown): Promise<boolean> {
    try {
      await this.objects.secrets.create({
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: this.name(id, part), labels: { ...MANAGED_BY, [KIND_LABEL]: part, [PLAN_LABEL]: id } },
        data: { "value.json": Buffer.from(JSON.stringify(value)).toString("base64") },
      });
      return true;
    } catch (error) {
      if (isStatus(error, 409)) return false;
      throw error;
    }
  }

  private static decode<T>(secret: V1Secret | undefined): T | undefined {
    const data = secret?.data?.["value.json"];
    return data === undefined ? undefined : (JSON.parse(Buffer.from(data, "base64").toString("utf8")) as T);
  }

  private static stateOf(record: PlanRecord, decision: PlanDecision | undefined, redeemed: { at: string } | undefined): PlanState {
    return { record, ...(decision ? { decision } : {}), ...(redeemed ? { redeemedAt: redeemed.at } : {}) };
  }

  create(record: PlanRecord): Promise<void> {
    return reaching(this.where, async () => {
      if (!isPlanId(record.id)) throw new Error(`invalid plan id ${record.id}`);
      await this.sweep();
      if (!(await this.publish(record.id, "plan", record))) throw new Error(`plan ${record.id} exists`);
    });
  }

  get(id: string): Promise<PlanState | undefined> {
    return reaching(this.where, async () => {
      if (!isPlanId(id)) return undefined;
      const read = (part: PlanPart) => this.objects.secrets.read(this.name(id, part));
      const record = KubernetesApprovalStore.decode<PlanRecord>(await read("plan"));
      if (!record) return undefined;
      const [decision, redeemed] = await Promise.all([read("decision"), read("redeemed")]);
      return KubernetesApprovalStore.stateOf(record, KubernetesApprovalStore.decode(decision), KubernetesApprovalStore.decode(redeemed));
    });
  }

  list(): Promise<PlanState[]> {
    return reaching(this.where, async () => {
      const items = await this.objects.secrets.list(PLAN_LABEL);
      const parts = new Map<string, Partial<Record<PlanPart, V1Secret>>>();
      for (const item of items) {
        const id = item.metadata?.labels?.[PLAN_LABEL];
        const part = item.metadata?.labels?.[KIND_LABEL] as PlanPart | undefined;
        if (!id || !part || !isPlanId(id)) continue;
        parts.set(id, { ...parts.get(id), [part]: item });
      }
      const states: PlanState[] = [];
      for (const found of parts.values()) {
        const record = KubernetesApprovalStore.decode<PlanRecord>(found.plan);
        if (record) states.push(KubernetesApprovalStore.stateOf(record, KubernetesApprovalStore.decode(found.decision), KubernetesApprovalStore.decode(found.redeemed)));
      }
      return states.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
    });
  }

  decide(id: string, decision: PlanDecision): Promise<"recorded" | "already-decided" | "unknown"> {
    return reaching(this.where, async () => {
      if (!(await this.get(id))) return "unknown";
      return (await this.publish(id, "decision", decision)) ? "recorded" : "already-decided";
    });
  }

  redeem(id: string, at: string): Promise<boolean> {
    return reaching(this.where, async () => {
      if (!(await this.get(id))) return false;
      return this.publish(id, "redeemed", { at });
    });
  }

  private async sweep(): Promise<void> {
    if (this.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = this.now();
    const cutoff = this.now() - KEEP_EXPIRED_MS;
    for (const state of await this.list()) {
      if (Date.parse(state.record.expiresAt) >= cutoff) continue;
      for (const part of ["redeemed", "decision", "plan"] as const) await this.objects.secrets.delete(this.name(state.record.id, part));
    }
  }
}
