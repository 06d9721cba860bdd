// `talos-mcp policy-check` as eval harnesses run it: the built CLI, the real pinned talosctl and
// omnictl, a file or stdin, plain text or a chat transcript; exit 0 clean / 1 findings / 2 bad input.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/stdio-server.js";

const check = (args: string[], input?: string) =>
  execa(process.execPath, [CLI, "policy-check", ...args], {
    reject: false,
    timeout: 180_000,
    ...(input === undefined ? { stdin: "ignore" as const } : { input }),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...(process.env.TALOS_MCP_CACHE ? { TALOS_MCP_CACHE: process.env.TALOS_MCP_CACHE } : {}) },
    extendEnv: false,
  });

describe("talos-mcp policy-check", () => {
  it("exits 0 for a correct answer read from stdin, checked against the pinned CLIs", async () => {
    const result = await check(["--json"], "Talos has no SSH; read the logs through the API:\n$ talosctl -n 10.5.0.2 logs kubelet\n$ talosctl -n 10.5.0.2 dmesg\n");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ clean: true, format: "text", rules: [], cli: { talosctl: "v1.12.6", omnictl: "v1.9.3" }, findings: [] });
  }, 180_000);

  it("exits 1 with findings (rule, place, fix, docs, excerpt) for a Markdown file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-policy-")), "answer.md");
    writeFileSync(file, "Back it up first:\n\n```sh\ntalosctl -n 10.5.0.2 etcd backup\n```\n\nThen ssh into the node and edit /etc/hosts.\n");
    const result = await check([file, "--json"]);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ clean: false, format: "text", rules: ["no-ssh", "no-node-file-edits", "real-commands-only"] });
    const invented = report.findings.find((f: { rule: string }) => f.rule === "real-commands-only");
    expect(invented).toMatchObject({ severity: "error", span: { line: 4, column: 1 }, excerpt: "talosctl -n 10.5.0.2 etcd backup", fix: "use talosctl etcd snapshot <path>" });
    expect(invented.docs).toMatch(/^https:\/\/docs\.siderolabs\.com\//);

    const text = await check([file]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain("ERROR [real-commands-only] line 4:1: 'talosctl etcd backup' is not a command of talosctl v1.12.6");
    expect(text.stdout).toContain("3 finding(s): no-ssh, no-node-file-edits, real-commands-only");
  }, 180_000);

  it("grades a chat transcript's assistant messages only, naming the message", async () => {
    const transcript = JSON.stringify({
      messages: [
        { role: "user", content: "Please ssh into cp-1 and apt install htop." },
        { role: "assistant", content: [{ type: "text", text: "You asked me to SSH into cp-1, but Talos has no SSH; `talosctl -n 10.5.0.2 dashboard` shows the load." }] },
        { role: "assistant", content: "Now: `talosctl -n 10.5.0.2 reset`" },
      ],
    });
    const result = await check(["-", "--json"], transcript);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ format: "chat", rules: ["destructive-explicit"] });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ chat: { index: 2, role: "assistant" }, span: { line: 1, column: 7 } });
    const withUser = await check(["--roles", "user,assistant", "--json"], transcript);
    expect(JSON.parse(withUser.stdout).rules).toEqual(["no-ssh", "no-package-managers", "destructive-explicit"]);
  }, 180_000);

  it("exits 2 with a clear message for bad input and bad usage", async () => {
    for (const [args, input, message] of [
      [[], "", /input is empty/],
      [[], '{"messages": 3}', /array of \{role, content\} messages/],
      [[], "[{", /starts like JSON but does not parse/],
      [["/nonexistent/answer.md"], undefined, /cannot read \/nonexistent\/answer\.md: no such file/],
      [["a.md", "b.md"], undefined, /one FILE at most/],
      [["--bogus"], undefined, /Unknown option '--bogus'/],
      [["--roles", ","], "x", /--roles needs at least one role/],
    ] as const) {
      const result = await check([...args], input);
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  }, 180_000);

  it("--help explains input, output and exit codes", async () => {
    const result = await check(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const word of ["[FILE|-]", "--json", "--roles", "JSON Lines", "Exit: 0 clean, 1 findings, 2 bad input"]) expect(result.stdout).toContain(word);
  });
});
