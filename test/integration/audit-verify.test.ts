// The audit trail's hash chain end to end: the built server writes it across restarts and
// rotation, and `talos-mcp audit verify` passes the intact log and names the first bad line of
// every damaged copy (removed, edited, reordered, truncated lines).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, startStdioServer } from "../helpers/stdio-server.js";

const root = mkdtempSync(join(tmpdir(), "talos-mcp-audit-it-"));
const auditLog = join(root, "audit.jsonl");

const verify = async (...args: string[]) => {
  const result = await execa(process.execPath, [CLI, "audit", "verify", ...args], { reject: false });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
};

async function serveAndCall(calls: number, extraArgs: string[] = []): Promise<void> {
  const server = await startStdioServer({ auditLog, workspace: join(root, "ws"), args: extraArgs });
  try {
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        server.client.callTool({ name: "policy-check", arguments: i % 3 === 0 ? { text: `talosctl etcd backup --nodes 10.5.0.${i}` } : { text: "" } }),
      ),
    );
  } finally {
    await server.close();
  }
}

const lines = () => readFileSync(auditLog, "utf8").split("\n").filter(Boolean);
const damaged = (name: string, content: string[]) => {
  const file = join(root, name);
  writeFileSync(file, content.map((line) => `${line}\n`).join(""));
  return file;
};

beforeAll(async () => {
  // Two server runs on one file: the second continues the first's chain after a restart.
  await serveAndCall(6);
  await serveAndCall(6);
}, 120_000);

describe("talos-mcp audit verify", () => {
  it("passes the log two server runs wrote (concurrent calls, a restart in between)", async () => {
    expect(lines()).toHaveLength(12);
    const result = await verify(auditLog);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/intact, 12 line\(s\), head [0-9a-f]{64}/);
  });

  it("names the first bad line of a removed, edited, reordered or truncated copy", async () => {
    const all = lines();
    const cases: [string, string[], RegExp][] = [
      ["removed", [...all.slice(0, 4), ...all.slice(5)], /line 5: it does not link to line 4/],
      ["edited", all.map((line, i) => (i === 7 ? line.replace(/"decision":"[a-z-]+"/, '"decision":"allowed"').replace('"policy-check"', '"bootstrap"') : line)), /line 8: its content does not match its hash/],
      ["reordered", [all[0]!, all[2]!, all[1]!, ...all.slice(3)], /line 2: it does not link to line 1/],
      ["first-removed", all.slice(1), /line 1: the first line does not start a chain/],
    ];
    const cut = join(root, "cut.jsonl");
    writeFileSync(cut, readFileSync(auditLog, "utf8").slice(0, -25));
    const results = await Promise.all([...cases.map(([name, content]) => verify(damaged(`${name}.jsonl`, content))), verify(cut)]);
    for (const [index, [name, , problem]] of [...cases, ["truncated", [], /cut\.jsonl line 12: incomplete line/] as const].entries()) {
      expect(results[index]!.code, name).toBe(1);
      expect(results[index]!.stderr, name).toMatch(problem);
    }
  });

  it("with --head, catches whole lines removed from the end", async () => {
    const intact = await verify("--json", auditLog);
    const head = JSON.parse(intact.stdout).files[0].head as string;
    expect((await verify("--head", head, auditLog)).code).toBe(0);
    const shortened = await verify("--head", head, damaged("tail-removed.jsonl", lines().slice(0, -2)));
    expect(shortened.code).toBe(1);
    expect(shortened.stderr).toMatch(/line 10: the chain ends at [0-9a-f]{64}, not at the expected head/);
  });

  it("checks rotated files as one chain, oldest first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-audit-rot-"));
    const config = join(dir, "config.yaml");
    writeFileSync(config, "auditRotateBytes: 2500\n");
    const rotatingLog = join(dir, "audit.jsonl");
    const server = await startStdioServer({ auditLog: rotatingLog, args: ["--config", config] });
    for (let i = 0; i < 12; i++) await server.client.callTool({ name: "policy-check", arguments: { text: `ssh root@node-${i}` } });
    await server.close();
    const rotated = readdirSync(dir).filter((name) => name.startsWith("audit.jsonl.")).sort().map((name) => join(dir, name));
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    const ok = await verify(...rotated, rotatingLog);
    expect(ok.code, ok.stderr).toBe(0);
    // A rotated file missing from the middle: the next file does not link.
    const gap = await verify(rotated[0]!, ...rotated.slice(2), rotatingLog);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/line 1: it does not link to the previous file's last line/);
  });

  it("answers usage errors with exit 2", async () => {
    const results = await Promise.all([
      verify(),
      verify("--head", "nothex", auditLog),
      verify(join(root, "missing.jsonl")),
      execa(process.execPath, [CLI, "audit", "check"], { reject: false }).then((r) => ({ code: r.exitCode })),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
  });
});
