import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAuditLog, type AuditEntry } from "../../../src/audit/audit.js";

const entry = (tool: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  time: "2026-11-25T00:00:00.000Z",
  transport: "stdio",
  caller: "local",
  tool,
  args: { cluster: "demo", token: "abcdef.0123456789abcdef" },
  decision: "allowed",
  rules: ["role-ceiling"],
  argv: [["talosctl", "version", "--talosconfig", "/ws/demo/talosconfig"]],
  exitCodes: [0],
  durationMs: 12,
  ...extra,
});

describe("audit log", () => {
  it("writes one redacted JSON line per call to a 0600 file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-audit-")), "audit.jsonl");
    const log = createAuditLog({ file });
    log.record(entry("version"));
    log.record(entry("bootstrap", { decision: "denied", rules: ["bootstrap-once"], message: "secret: hunter2hunter2" }));
    await log.flush();
    const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.tool, l.decision])).toEqual([
      ["version", "allowed"],
      ["bootstrap", "denied"],
    ]);
    expect(lines[0].args.token).toBe("[REDACTED:token]");
    expect(lines[1].message).not.toContain("hunter2");
    expect(lines[0].argv[0]).toEqual(["talosctl", "version", "--talosconfig", "/ws/demo/talosconfig"]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await log.close();
  });

  it("redacts secret flag values in argv and secrets in array arguments", () => {
    const log = createAuditLog({});
    log.record(
      entry("get", {
        args: { lines: ["-----BEGIN ED25519 PRIVATE KEY-----", "c2VjcmV0LWtleS1ib2R5LWxpbmUtb25l", "-----END ED25519 PRIVATE KEY-----"] },
        argv: [["omnictl", "--token", "abcdef0123456789xyz", "get", "machines"]],
        message: "kernel args siderolink.api=https://omni.example.com/?jointoken=c2VjcmV0am9pbnRva2Vu",
      }),
    );
    const [recorded] = log.recent();
    expect(JSON.stringify(recorded)).not.toMatch(/abcdef0123456789xyz|c2VjcmV0LWtleS1ib2R5|c2VjcmV0am9pbnRva2Vu/);
    expect(recorded!.argv[0]).toEqual(["omnictl", "--token", "[REDACTED:token]", "get", "machines"]);
  });

  it("keeps a bounded ring of recent entries", () => {
    const log = createAuditLog({ ringSize: 3 });
    for (const tool of ["a", "b", "c", "d"]) log.record(entry(tool));
    expect(log.recent().map((e) => e.tool)).toEqual(["b", "c", "d"]);
    expect(log.recent(1).map((e) => e.tool)).toEqual(["d"]);
  });
});
