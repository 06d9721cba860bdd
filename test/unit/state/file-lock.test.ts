// The file backend's mutation lock between processes: exactly one holder; a holder that died
// (its process is gone, or it stopped touching the file for a lease) is taken over by exactly one
// waiter; a live holder is never taken over; a holder whose file was replaced learns it lost.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { LockBusy } from "../../../src/state/backend.js";
import { acquireFileLock } from "../../../src/state/file-lock.js";
import { FileStateBackend, scopeFileName } from "../../../src/state/file-backend.js";

const timing = { leaseMs: 2_000, waitMs: 600, pollMs: 50 };
const signal = new AbortController().signal;
const lockPath = () => join(mkdtempSync(join(tmpdir(), "talos-mcp-lock-")), "locks", "c.lock");

function writeForeignLock(path: string, fields: { pid: number; host: string; token?: string }, ageMs = 0): void {
  writeFileSync(path, JSON.stringify({ token: fields.token ?? "f".repeat(24), holder: "someone/bootstrap", pid: fields.pid, host: fields.host, acquiredAt: new Date().toISOString() }));
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

async function exitedPid(): Promise<number> {
  const child = await execa(process.execPath, ["-e", ""]);
  return child.pid!;
}

describe("file lock", () => {
  it("has one holder: a second caller gets LockBusy naming the holder, then the lock once it is released", async () => {
    const path = lockPath();
    const first = await acquireFileLock(path, "context:demo", "alice/bootstrap", timing, signal);
    const busy = await acquireFileLock(path, "context:demo", "bob/bootstrap", timing, signal).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(LockBusy);
    expect((busy as Error).message).toMatch(/^context:demo is being changed by another call \(alice\/bootstrap\); waited \d+ s/);
    const waiting = acquireFileLock(path, "context:demo", "bob/bootstrap", { ...timing, waitMs: 5_000 }, signal);
    await first.release();
    const second = await waiting;
    expect(JSON.parse(readFileSync(path, "utf8")).holder).toBe("bob/bootstrap");
    await second.release();
  });

  it("takes over the lock of a process that exited, at once", async () => {
    const path = lockPath();
    await acquireFileLock(path, "c", "x", timing, signal).then((held) => held.release());
    writeForeignLock(path, { pid: await exitedPid(), host: hostname() });
    const started = Date.now();
    const held = await acquireFileLock(path, "c", "bob/reset", timing, signal);
    expect(Date.now() - started).toBeLessThan(timing.waitMs);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    await held.release();
  });

  it("a lock touched within its lease is never taken over (live holder here, or on another host); untouched for a lease, it is", async () => {
    const path = lockPath();
    await acquireFileLock(path, "c", "x", timing, signal).then((held) => held.release());
    // Live (this test process), touched just now: busy.
    writeForeignLock(path, { pid: process.pid, host: hostname() });
    await expect(acquireFileLock(path, "c", "bob", timing, signal)).rejects.toBeInstanceOf(LockBusy);
    // Another host's lock (a shared volume): stale only once untouched for a lease.
    writeForeignLock(path, { pid: 1, host: "other-host" }, 500);
    await expect(acquireFileLock(path, "c", "bob", timing, signal)).rejects.toBeInstanceOf(LockBusy);
    writeForeignLock(path, { pid: 1, host: "other-host" }, timing.leaseMs + 1_000);
    const held = await acquireFileLock(path, "c", "bob", timing, signal);
    await held.release();
  });

  it("two waiters racing for one stale lock: exactly one takes it", async () => {
    const path = lockPath();
    await acquireFileLock(path, "c", "x", timing, signal).then((held) => held.release());
    writeForeignLock(path, { pid: await exitedPid(), host: hostname() });
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => acquireFileLock(path, "c", `waiter-${i}`, { ...timing, waitMs: 300 }, signal)));
    const winners = results.filter((result) => result.status === "fulfilled");
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => result.status === "rejected").every((result) => (result as PromiseRejectedResult).reason instanceof LockBusy)).toBe(true);
    await (winners[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it("a holder whose file was replaced learns it lost the lock, and its release leaves the new holder's file", async () => {
    const path = lockPath();
    const held = await acquireFileLock(path, "c", "alice", { ...timing, leaseMs: 300 }, signal);
    writeForeignLock(path, { pid: process.pid, host: hostname(), token: "e".repeat(24) });
    await new Promise<void>((resolve) => held.lost.addEventListener("abort", () => resolve(), { once: true }));
    expect((held.lost.reason as Error).message).toMatch(/taken over/);
    await held.release();
    expect(JSON.parse(readFileSync(path, "utf8")).token).toBe("e".repeat(24));
  });

  it("the file backend keeps one lock file per scope in the state directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-state-"));
    const backend = new FileStateBackend(dir, timing);
    const held = await backend.lock("workspace:demo", { holder: "alice/apply", signal });
    expect(JSON.parse(readFileSync(join(dir, "locks", `${scopeFileName("workspace:demo")}.lock`), "utf8")).holder).toBe("alice/apply");
    const other = await backend.lock("workspace:other", { holder: "alice/apply", signal });
    await Promise.all([held.release(), other.release()]);
    expect(scopeFileName("workspace:a/b")).not.toBe(scopeFileName("workspace:a_b"));
  });
});
