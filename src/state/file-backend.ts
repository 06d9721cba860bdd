// The default state backend: files in the state directory, nothing to run. Plans and decisions
// are FileApprovalStore's create-once files, ledgers are JSON files, and the mutation lock is a
// lock file per cluster (file-lock.ts), so two processes on one state directory coordinate too.
import { nodeCrypto } from "../lazy-crypto.js";
import { join } from "node:path";
import { FileApprovalStore } from "../server/approval-store.js";
import { loadRequestStateKey } from "../server/request-state.js";
import { ClusterStateStore } from "../talos/cluster-state.js";
import type { HeldLock, LockRequest, StateBackend } from "./backend.js";
import { acquireFileLock, type LockTiming } from "./file-lock.js";

/** A file name for a lock scope: readable prefix, plus a hash so distinct scopes never collide. */
export function scopeFileName(scope: string): string {
  const readable = scope.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64);
  return `${readable}-${nodeCrypto().createHash("sha256").update(scope).digest("hex").slice(0, 16)}`;
}

export class FileStateBackend implements StateBackend {
  readonly kind = "file" as const;
  readonly approvals: FileApprovalStore;

  constructor(
    readonly stateDir: string,
    private readonly timing: LockTiming,
  ) {
    this.approvals = new FileApprovalStore(join(stateDir, "approvals"));
  }

  get where(): string {
    return this.stateDir;
  }

  ledger(_targetId: string, file: string): ClusterStateStore {
    return new ClusterStateStore(file);
  }

  lock(scope: string, request: LockRequest): Promise<HeldLock> {
    return acquireFileLock(join(this.stateDir, "locks", `${scopeFileName(scope)}.lock`), scope, request.holder, this.timing, request.signal);
  }

  requestStateKey(): Promise<Uint8Array> {
    return loadRequestStateKey(this.stateDir);
  }

  async close(): Promise<void> {}
}
