// `talos-mcp approve|reject` against a real file store, with the terminal replaced by recorders.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runApprovalCli } from "../../../src/server/approval-cli.js";
import { FileApprovalStore } from "../../../src/server/approval-store.js";
import { planRecord } from "../../helpers/plans.js";

async function setup(overrides: Parameters<typeof planRecord>[0] = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), "talos-mcp-cli-"));
  const store = new FileApprovalStore(join(stateDir, "approvals"));
  const record = planRecord({ expiresAt: new Date(Date.now() + 60_000).toISOString(), ...overrides });
  await store.create(record);
  const out: string[] = [];
  const err: string[] = [];
  const io = (answers: string[] = [], interactive = false) => ({
    out: (t: string) => void out.push(t),
    err: (t: string) => void err.push(t),
    ask: interactive ? async () => answers.shift() ?? "" : undefined,
    now: Date.now,
  });
  return { stateDir, store, record, out, err, io };
}

describe("talos-mcp approve | reject", () => {
  it("shows the plan and approves it", async () => {
    const { stateDir, store, record, out, io } = await setup();
    expect(await runApprovalCli("approve", [record.id, "--state-dir", stateDir], io())).toBe(0);
    expect(out.join("")).toContain("Reboot 10.0.0.2");
    expect(out.join("")).toMatch(new RegExp(`Approved ${record.id}`));
    expect((await store.get(record.id))!.decision).toMatchObject({ decision: "approved", via: "terminal", by: expect.stringMatching(/^terminal \(/) });
  });

  it("rejects, and a decided plan cannot be decided again", async () => {
    const { stateDir, store, record, err, io } = await setup();
    expect(await runApprovalCli("reject", [record.id, "--state-dir", stateDir], io())).toBe(0);
    expect((await store.get(record.id))!.decision?.decision).toBe("rejected");
    expect(await runApprovalCli("approve", [record.id, "--state-dir", stateDir], io())).toBe(1);
    expect(err.join("")).toMatch(/already rejected/);
  });

  it("destructive plans need the value typed: --confirm, or asked on a terminal", async () => {
    const destructive = { plan: { ...planRecord().plan, typedConfirmation: "cp-1", destructive: true } };
    const a = await setup(destructive);
    expect(await runApprovalCli("approve", [a.record.id, "--state-dir", a.stateDir], a.io())).toBe(2);
    expect(a.err.join("")).toMatch(/--confirm cp-1/);
    expect(await runApprovalCli("approve", [a.record.id, "--state-dir", a.stateDir, "--confirm", "cp-2"], a.io())).toBe(1);
    expect((await a.store.get(a.record.id))!.decision).toBeUndefined();
    expect(await runApprovalCli("approve", [a.record.id, "--state-dir", a.stateDir, "--confirm", "cp-1"], a.io())).toBe(0);
    const b = await setup(destructive);
    expect(await runApprovalCli("approve", [b.record.id, "--state-dir", b.stateDir], b.io(["cp-1"], true))).toBe(0);
    expect((await b.store.get(b.record.id))!.decision?.decision).toBe("approved");
  });

  it("on a terminal, asks before approving; anything but yes approves nothing", async () => {
    const { stateDir, store, record, io } = await setup();
    expect(await runApprovalCli("approve", [record.id, "--state-dir", stateDir], io(["n"], true))).toBe(1);
    expect((await store.get(record.id))!.decision).toBeUndefined();
    expect(await runApprovalCli("approve", [record.id, "--state-dir", stateDir], io(["yes"], true))).toBe(0);
  });

  it("lists waiting plans, and refuses bad ids and unknown plans with the fix", async () => {
    const { stateDir, record, out, err, io } = await setup();
    expect(await runApprovalCli("approve", ["--list", "--state-dir", stateDir], io())).toBe(0);
    expect(out.join("")).toContain(record.id);
    expect(await runApprovalCli("approve", ["../x", "--state-dir", stateDir], io())).toBe(2);
    expect(await runApprovalCli("approve", ["plan-abcdefghijklmnop", "--state-dir", stateDir], io())).toBe(1);
    expect(await runApprovalCli("approve", ["--bogus"], io())).toBe(2);
    expect(err.join("")).toMatch(/give one plan id/);
    expect(err.join("")).toMatch(/there is no plan plan-abcdefghijklmnop/);
  });
});
