import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_STRING_CAP, createAuditLog, type AuditEntry } from "../../../src/audit/audit.js";
import { RECOVER_KIND, ROTATE_KIND, verifyChain } from "../../../src/audit/chain.js";
import { fakePemPrivateKey } from "../../fixtures/fake-keys.js";

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
        args: { lines: fakePemPrivateKey("c2VjcmV0LWtleS1ib2R5LWxpbmUtb25l").split("\n") },
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

describe("audit log hash chain", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "talos-mcp-audit-"));
  const read = (file: string) => readFileSync(file, "utf8");

  it("chains every line and continues the chain after a restart", async () => {
    const file = join(dir(), "audit.jsonl");
    const first = createAuditLog({ file });
    for (const tool of ["a", "b", "c"]) first.record(entry(tool));
    await first.close();
    const head = verifyChain(read(file));
    expect(head).toMatchObject({ ok: true, lines: 3 });

    const second = createAuditLog({ file });
    second.record(entry("d"));
    await second.close();
    const lines = read(file).trim().split("\n");
    expect(JSON.parse(lines[3]!).prev).toBe(head.head);
    expect(verifyChain(read(file))).toMatchObject({ ok: true, lines: 4 });
  });

  it("keeps one chain when several logs and many concurrent calls write to one file", async () => {
    const file = join(dir(), "audit.jsonl");
    const logs = [createAuditLog({ file }), createAuditLog({ file }), createAuditLog({ file })];
    await Promise.all(
      Array.from({ length: 30 }, async (_, worker) => {
        for (let i = 0; i < 20; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          logs[worker % logs.length]!.record(entry(`w${worker}-${i}`));
        }
      }),
    );
    await Promise.all(logs.map((log) => log.close()));
    expect(verifyChain(read(file))).toMatchObject({ ok: true, lines: 600 });
  });

  it("rotates by size: each new file starts with a record linking to the previous file's last line", async () => {
    const root = dir();
    const file = join(root, "audit.jsonl");
    const log = createAuditLog({ file, rotateBytes: 2_000 });
    for (let i = 0; i < 40; i++) log.record(entry(`call-${i}`));
    await log.close();
    const rotated = readdirSync(root).filter((name) => name.startsWith("audit.jsonl.")).sort();
    expect(rotated.length).toBeGreaterThan(3);
    const files = [...rotated.map((name) => join(root, name)), file];
    let after: string | undefined;
    let calls = 0;
    for (const [index, path] of files.entries()) {
      expect(statSync(path).size).toBeLessThanOrEqual(2_000);
      const verdict = verifyChain(read(path), index === 0 ? {} : { after });
      expect(verdict, path).toMatchObject({ ok: true });
      after = verdict.head;
      calls += read(path).split("\n").filter((line) => line.includes('"kind":"audit"')).length;
      if (index > 0) expect(JSON.parse(read(path).split("\n")[0]!)).toMatchObject({ kind: ROTATE_KIND, reason: "size", previous: basename(files[index - 1]!) });
    }
    expect(calls).toBe(40);
  });

  it("follows an outside tool that truncates (copytruncate) or moves the file", async () => {
    const root = dir();
    const file = join(root, "audit.jsonl");
    const log = createAuditLog({ file });
    log.record(entry("before-truncate"));
    copyFileSync(file, `${file}.copied`);
    truncateSync(file, 0);
    log.record(entry("after-truncate"));
    expect(verifyChain(read(file), { after: verifyChain(read(`${file}.copied`)).head })).toMatchObject({ ok: true, lines: 2 });
    expect(JSON.parse(read(file).split("\n")[0]!)).toMatchObject({ kind: ROTATE_KIND, reason: "external" });

    const moved = `${file}.moved`;
    renameSync(file, moved);
    log.record(entry("after-move"));
    await log.close();
    expect(verifyChain(read(file), { after: verifyChain(read(moved), { after: verifyChain(read(`${file}.copied`)).head }).head })).toMatchObject({ ok: true, lines: 2 });
  });

  it("after a crash mid-line: finishes the line, records the recovery linked to the last complete line", async () => {
    const file = join(dir(), "audit.jsonl");
    const log = createAuditLog({ file });
    log.record(entry("a"));
    log.record(entry("b"));
    await log.close();
    const intact = read(file);
    appendFileSync(file, intact.split("\n")[1]!.slice(0, 50));
    const restarted = createAuditLog({ file });
    restarted.record(entry("c"));
    await restarted.close();
    // The cut line stays visible: verify names it.
    expect(verifyChain(read(file))).toMatchObject({ ok: false, line: 3, reason: expect.stringMatching(/no hash seal/) });
    const lines = read(file).split("\n");
    expect(JSON.parse(lines[3]!)).toMatchObject({ kind: RECOVER_KIND, incompleteBytes: 50 });
    // Without the cut line, everything links: the recovery continues from line 2.
    expect(verifyChain([...lines.slice(0, 2), ...lines.slice(3)].join("\n"))).toMatchObject({ ok: true, lines: 4 });
  });

  it("sets an unchained log from an older version aside and starts a new chain", async () => {
    const root = dir();
    const file = join(root, "audit.jsonl");
    writeFileSync(file, '{"kind":"audit","time":"2026-01-01T00:00:00.000Z","tool":"version"}\n');
    const log = createAuditLog({ file });
    log.record(entry("new"));
    await log.close();
    expect(verifyChain(read(file))).toMatchObject({ ok: true, lines: 1 });
    const aside = readdirSync(root).filter((name) => name.startsWith("audit.jsonl."));
    expect(aside).toHaveLength(1);
    expect(read(join(root, aside[0]!))).toContain('"tool":"version"');
  });

  it("cuts long strings in logged arguments and messages (a 1 MB argument makes a small line)", async () => {
    const file = join(dir(), "audit.jsonl");
    const log = createAuditLog({ file });
    log.record(entry("policy-check", { args: { text: "x".repeat(1_000_000), nested: [{ deep: "y".repeat(10_000) }] }, message: "m".repeat(50_000) }));
    await log.close();
    const line = read(file);
    expect(line.length).toBeLessThan(3 * AUDIT_STRING_CAP + 2_000);
    const parsed = JSON.parse(line);
    expect(parsed.args.text).toMatch(/^x{4096}… \(995904 more characters\)$/);
    expect(parsed.args.nested[0].deep).toMatch(/more characters\)$/);
    expect(parsed.message).toMatch(/more characters\)$/);
  });
});
