// Everything the server must remember across calls and share with other replicas, behind one small
// interface with two implementations (docs/replicas.md):
//   file        the state directory (the default; two local processes coordinate through files),
//   kubernetes  objects in one namespace of a Kubernetes API (several replicas behind a Service).
// Three things are shared: the per-cluster mutation lock, the per-cluster ledger (applied nodes and
// bootstraps, rule bootstrap-once) and the plan/approval records (single use). Each primitive is
// "first writer wins" in both implementations, so no interleaving of replicas can run a bootstrap
// twice, two mutations on one cluster at once, or one approval twice. When the backend cannot be
// reached the server fails closed: mutations are refused, reads keep working.
import type { StateBackendKind } from "../config-types.js";
import { ToolError } from "../server/errors.js";
import type { ApprovalStore } from "../server/approval-store.js";
import type { ClusterLedger } from "../talos/cluster-state.js";

/** A held mutation lock. */
export interface HeldLock {
  /** Aborts when the lock was lost (it could not be renewed before it expired): stop the work. */
  readonly lost: AbortSignal;
  /** Gives the lock up; never throws (an unreleased lock expires on its own). */
  release(): Promise<void>;
}

export interface LockRequest {
  /** Who holds it, for the people reading the lock: "<replica>/<caller>/<tool>". */
  holder: string;
  /** Stops waiting when the call is cancelled. */
  signal: AbortSignal;
}

export interface StateBackend {
  readonly kind: StateBackendKind;
  /** Where the state lives, for messages: a directory, or the API server and namespace. */
  readonly where: string;
  readonly approvals: ApprovalStore;
  /**
   * The ledger of one cluster. `targetId` (workspace:<name>, context:<name>) names it; the file
   * backend keeps it in `file` (next to the cluster's configs, or in the state directory).
   */
  ledger(targetId: string, file: string): ClusterLedger;
  /**
   * Takes the mutation lock of `scope` (one cluster), waiting while another call holds it, until
   * it is released or expires. Throws LockBusy after the configured wait, StateUnavailable when the
   * backend cannot be reached.
   */
  lock(scope: string, request: LockRequest): Promise<HeldLock>;
  /**
   * The key that signs MCP 2026-07-28 consent state (request-state.ts): created once by whichever
   * process asks first and the same for every process sharing this state, so any replica can
   * verify a question another one asked.
   */
  requestStateKey(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The backend cannot be reached or used: every mutation is refused (never a fallback to local memory). */
export class StateUnavailable extends ToolError {
  constructor(where: string, cause: unknown) {
    super(`the shared state (${where}) cannot be reached or used, so no change is made: ${(cause as Error)?.message ?? String(cause)}`, {
      next: "reads still work; try the change again once the state backend answers (see docs/replicas.md)",
    });
  }
}

/** Another call holds the cluster's lock for longer than this call may wait. */
export class LockBusy extends ToolError {
  constructor(scope: string, holder: string | undefined, waitedMs: number) {
    super(`${scope} is being changed by another call (${holder ?? "unknown holder"}); waited ${Math.round(waitedMs / 1000)} s for it to finish`, {
      next: "wait for that change to finish (check health), then call again; the lock expires on its own if its holder died",
    });
  }
}

/** Turns any failure to reach the backend into StateUnavailable; our own refusals pass through. */
export async function reaching<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new StateUnavailable(where, error);
  }
}
