// A plan record as the consent core stores it, for tests of stores, decisions and pages.
import { newPlanId, type PlanRecord } from "../../src/server/approval-store.js";

export function planRecord(overrides: Partial<PlanRecord> = {}): PlanRecord {
  return {
    id: newPlanId(),
    caller: "local",
    tool: "reboot",
    minRole: "operator",
    binding: "b".repeat(64),
    files: {},
    plan: { summary: "Reboot 10.0.0.2", commands: [["talosctl", "reboot"]], targets: ["10.0.0.2"], impact: ["reboots"], destructive: false },
    approver: "person",
    pageSecret: "s".repeat(48),
    createdAt: new Date(1_000).toISOString(),
    expiresAt: new Date(61_000).toISOString(),
    ...overrides,
  };
}
