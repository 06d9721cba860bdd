import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closedReason, decidePlan, secretMatches } from "../../../src/server/approvals.js";
import { FileApprovalStore } from "../../../src/server/approval-store.js";
import { planRecord } from "../../helpers/plans.js";

const store = () => new FileApprovalStore(join(mkdtempSync(join(tmpdir(), "talos-mcp-decide-")), "approvals"));
const by = { by: "alice", via: "page" as const };

describe("a person's decision", () => {
  it("approves or rejects a waiting plan once", async () => {
    const s = store();
    const record = planRecord();
    await s.create(record);
    const approved = await decidePlan(s, record.id, { approve: true, ...by }, 5_000);
    expect(approved).toEqual({ ok: true, decision: { decision: "approved", by: "alice", via: "page", at: new Date(5_000).toISOString() } });
    expect(await decidePlan(s, record.id, { approve: false, ...by }, 6_000)).toEqual({ ok: false, reason: expect.stringMatching(/already approved by alice/) });
  });

  it("refuses unknown, expired, used and self-approved plans", async () => {
    const s = store();
    expect(await decidePlan(s, "plan-abcdefghijklmnop", { approve: true, ...by }, 5_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/no plan/) });
    const expired = planRecord();
    await s.create(expired);
    expect(await decidePlan(s, expired.id, { approve: true, ...by }, 61_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    const own = planRecord({ approver: "caller" });
    await s.create(own);
    expect(await decidePlan(s, own.id, { approve: true, ...by }, 5_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/agent itself/) });
    const used = planRecord();
    await s.create(used);
    await s.redeem(used.id, "x");
    expect(await decidePlan(s, used.id, { approve: true, ...by }, 5_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });
  });

  it("approves a destructive plan only with its value typed back; rejecting needs no typing", async () => {
    const s = store();
    const record = planRecord({ plan: { ...planRecord().plan, typedConfirmation: "cp-1", destructive: true } });
    await s.create(record);
    for (const typed of [undefined, "", "cp-2", " cp-1", "CP-1"]) {
      expect(await decidePlan(s, record.id, { approve: true, typed, ...by }, 5_000), String(typed)).toMatchObject({ ok: false, reason: expect.stringMatching(/type "cp-1" exactly/) });
    }
    expect(closedReason((await s.get(record.id))!, 5_000)).toBeUndefined();
    expect(await decidePlan(s, record.id, { approve: true, typed: "cp-1", ...by }, 5_000)).toMatchObject({ ok: true });
    const other = planRecord({ plan: { ...planRecord().plan, typedConfirmation: "cp-1", destructive: true } });
    await s.create(other);
    expect(await decidePlan(s, other.id, { approve: false, ...by }, 5_000)).toMatchObject({ ok: true, decision: { decision: "rejected" } });
  });

  it("checks the page secret in constant time, and never without one", () => {
    const record = planRecord({ pageSecret: "a".repeat(48) });
    expect(secretMatches(record, "a".repeat(48))).toBe(true);
    for (const wrong of ["a".repeat(47), "b".repeat(48), "", undefined, null]) expect(secretMatches(record, wrong), String(wrong)).toBe(false);
    expect(secretMatches(planRecord({ pageSecret: undefined }), "")).toBe(false);
  });
});
