// A mutation lock between processes that share a state directory (two stdio servers on one
// workspace, a server and a script). The lock is a file published with link(), which fails when
// the name exists: exactly one process creates it. Its holder touches it while the call runs.
// It is stale when its holder's process is gone (same host) or it was not touched for a lease
// duration (another host on a shared volume); a stale lock is taken over by the one process that
// first creates the takeover marker named after the stale lock's token, so two waiters can never
// both take it.
import { nodeCrypto } from "../lazy-crypto.js";
import { hostname } from "node:os";
import { mkdir, readdir, readFile, rm, stat, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../exec/process-alive.js";
import { publishOnce, writeFileAtomic } from "../fs/atomic.js";
import { LockBusy, type HeldLock } from "./backend.js";

export interface LockTiming {
  /** A lock not touched for this long is stale (its holder is gone), ms. */
  leaseMs: number;
  /** How long a call waits for another call's lock, ms. */
  waitMs: number;
  /** Polling interval while waiting, ms. */
  pollMs?: number;
}

interface LockFile {
  token: string;
  holder: string;
  pid: number;
  host: string;
  acquiredAt: string;
}

/** Takeover markers older than this are removed (a waiter that read the old token is long gone). */
const TAKEOVER_MARKER_KEEP_MS = 60 * 60_000;

async function readLock(path: string): Promise<{ lock: LockFile; touchedAt: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { lock: JSON.parse(text) as LockFile, touchedAt: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function isStale(found: { lock: LockFile; touchedAt: number }, leaseMs: number, now: number): boolean {
  if (found.lock.host === hostname() && !isAlive(found.lock.pid)) return true;
  return now - found.touchedAt > leaseMs;
}

async function sweepTakeoverMarkers(dir: string, now: number): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.includes(".takeover-")) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > TAKEOVER_MARKER_KEEP_MS) await rm(join(dir, name), { force: true });
  }
}

/** Takes the lock file `path` for `scope` (named in messages). */
export async function acquireFileLock(path: string, scope: string, holder: string, timing: LockTiming, signal: AbortSignal): Promise<HeldLock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const mine: LockFile = { token: nodeCrypto().randomBytes(12).toString("hex"), holder, pid: process.pid, host: hostname(), acquiredAt: new Date().toISOString() };
  const content = JSON.stringify(mine);
  const started = Date.now();
  let lastHolder: string | undefined;
  for (;;) {
    signal.throwIfAborted();
    if (await publishOnce(path, content)) return holdFileLock(path, mine.token, timing.leaseMs);
    const found = await readLock(path).catch(() => undefined);
    if (found) {
      lastHolder = found.lock.holder;
      if (isStale(found, timing.leaseMs, Date.now()) && (await publishOnce(`${path}.takeover-${found.lock.token}`, content))) {
        // Only this process won the marker for that token: replacing the stale file is ours to do.
        await writeFileAtomic(path, content, 0o600);
        await sweepTakeoverMarkers(dirname(path), Date.now());
        return holdFileLock(path, mine.token, timing.leaseMs);
      }
    }
    // A missing file was released between our attempts: try again at once.
    if (!found) continue;
    if (Date.now() - started >= timing.waitMs) throw new LockBusy(scope, lastHolder, Date.now() - started);
    await sleep(timing.pollMs ?? 250, undefined, { signal });
  }
}

function holdFileLock(path: string, token: string, leaseMs: number): HeldLock {
  const lost = new AbortController();
  const stillMine = async () => (await readLock(path).catch(() => undefined))?.lock.token === token;
  const timer = setInterval(() => {
    void (async () => {
      if (!(await stillMine())) return lost.abort(new Error(`the lock ${path} was taken over`));
      const now = new Date();
      await utimes(path, now, now).catch((error: Error) => lost.abort(error));
    })();
  }, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      if (await stillMine()) await rm(path, { force: true });
    },
  };
}
