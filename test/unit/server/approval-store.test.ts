// The contract every approval store keeps (single use, first decision wins, atomic across
// processes), run here against the file store; a store backed by another system runs the same.
import { mkdtempSync, readdirSync, statSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sweepStaleTemps } from "../../../src/fs/atomic.js";
import { FileApprovalStore, isPlanId, newPlanId, type ApprovalStore } from "../../../src/server/approval-store.js";
import { planRecord } from "../../helpers/plans.js";

const decision = (by: string, approved = true) => ({ decision: approved ? ("approved" as const) : ("rejected" as const), by, via: "terminal" as const, at: new Date(2_000).toISOString() });
const freshDir = () => join(mkdtempSync(join(tmpdir(), "talos-mcp-approvals-")), "approvals");

function contract(name: string, make: (dir: string) => ApprovalStore) {
  describe(name, () => {
    it("stores and reads a plan; ids never collide", async () => {
      const store = make(freshDir());
      const record = planRecord();
      await store.create(record);
      expect(await store.get(record.id)).toEqual({ record });
      await expect(store.create(record)).rejects.toThrow(/exists/);
      expect(await store.get(newPlanId())).toBeUndefined();
      expect(await store.get("../../etc/passwd")).toBeUndefined();
    });

    it("records only the first decision, even when many race", async () => {
      const store = make(freshDir());
      const record = planRecord();
      await store.create(record);
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => store.decide(record.id, decision(`p${i}`, i % 2 === 0))));
      expect(outcomes.filter((o) => o === "recorded")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "already-decided")).toHaveLength(11);
      const winner = outcomes.indexOf("recorded");
      expect((await store.get(record.id))!.decision).toEqual(decision(`p${winner}`, winner % 2 === 0));
      expect(await store.decide(newPlanId(), decision("x"))).toBe("unknown");
    });

    it("redeems a plan once, even when many race", async () => {
      const store = make(freshDir());
      const record = planRecord();
      await store.create(record);
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => store.redeem(record.id, new Date(3_000).toISOString())));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await store.get(record.id))!.redeemedAt).toBe(new Date(3_000).toISOString());
      expect(await store.redeem(newPlanId(), "x")).toBe(false);
    });

    it("lists plans newest first", async () => {
      const store = make(freshDir());
      const older = planRecord({ createdAt: new Date(1_000).toISOString() });
      const newer = planRecord({ createdAt: new Date(5_000).toISOString() });
      await store.create(older);
      await store.create(newer);
      expect((await store.list()).map((s) => s.record.id)).toEqual([newer.id, older.id]);
    });
  });
}

contract("file approval store", (dir) => new FileApprovalStore(dir, () => 10_000));

describe("file approval store specifics", () => {
  it("two stores on one directory (the server and `talos-mcp approve`) see each other's decisions", async () => {
    const dir = freshDir();
    const server = new FileApprovalStore(dir);
    const terminal = new FileApprovalStore(dir);
    const record = planRecord();
    await server.create(record);
    expect(await terminal.decide(record.id, decision("terminal"))).toBe("recorded");
    expect((await server.get(record.id))!.decision?.by).toBe("terminal");
    expect(await server.decide(record.id, decision("page", false))).toBe("already-decided");
  });

  it("keeps its directory owner-only and its files 0600, with no temporary files left", async () => {
    const dir = freshDir();
    const store = new FileApprovalStore(dir);
    const record = planRecord();
    await store.create(record);
    await store.decide(record.id, decision("x"));
    await store.redeem(record.id, "now");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir).sort();
    expect(files).toEqual([`${record.id}.decision.json`, `${record.id}.plan.json`, `${record.id}.redeemed`]);
    for (const file of files) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
  });

  it("a kill -9 mid-write leaves only temp files the next start sweeps", async () => {
    // Every temporary name the store creates, seen as the kernel reports it (inotify), then put
    // back as a killed writer would have left it: the start-up sweep must recognise each one.
    const dir = freshDir();
    const store = new FileApprovalStore(dir);
    await store.list();
    const created = new Set<string>();
    const watcher = watch(dir, (_event, name) => name && created.add(name));
    try {
      const record = planRecord();
      await store.create(record);
      await store.decide(record.id, decision("x"));
      await store.redeem(record.id, "now");
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      watcher.close();
    }
    const temps = [...created].filter((name) => name.endsWith(".tmp"));
    expect(temps.length).toBeGreaterThanOrEqual(3);
    for (const name of temps) writeFileSync(join(dir, name), "half a plan");
    await sweepStaleTemps([dir]);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("removes plans a day past their expiry when new ones arrive", async () => {
    let now = 10_000;
    const dir = freshDir();
    const store = new FileApprovalStore(dir, () => now);
    const old = planRecord();
    await store.create(old);
    now = 61_000 + 24 * 60 * 60_000 + 1;
    const fresh = planRecord({ expiresAt: new Date(now + 60_000).toISOString() });
    await store.create(fresh);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.get(fresh.id)).toBeDefined();
  });

  it("refuses invalid plan ids", async () => {
    const store = new FileApprovalStore(freshDir());
    await expect(store.create(planRecord({ id: "plan-../../x" }))).rejects.toThrow(/invalid plan id/);
    expect(isPlanId(newPlanId())).toBe(true);
    for (const bad of ["plan-ABCDEFGHIJKLMNOP", "plan-abc", "plan-abcdefghijklmnop1", "x-abcdefghijklmnop", 7]) expect(isPlanId(bad), String(bad)).toBe(false);
  });
});
