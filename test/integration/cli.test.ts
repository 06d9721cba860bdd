// The command line of the built package: help, version, doctor, and start-up errors that name
// the bad flag, tool or config key.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { CLI } from "../helpers/stdio-server.js";
import { outputMatching } from "../helpers/wait.js";

const run = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], { reject: false, stdin: "ignore", timeout: 60_000, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, extendEnv: false });

describe("talos-mcp CLI", () => {
  it("--help lists every serve flag and subcommand; --version prints the version", async () => {
    const help = await run(["--help"]);
    expect(help.exitCode).toBe(0);
    for (const word of ["--transport", "--workspace", "--role", "--read-only", "--toolsets", "--tools", "--disable-tools", "--audit-log", "--talosconfig", "--context", "--omniconfig", "--config", "doctor", "sim", "docs", "token", "policy-check"]) {
      expect(help.stdout, word).toContain(word);
    }
    expect((await run(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("fails start-up naming unknown flags, tools, toolsets and config keys (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-cli-"));
    const config = join(dir, "config.yaml");
    writeFileSync(config, stringify({ role: "reader", toolset: ["talos"] }));
    for (const [args, message] of [
      [["serve", "--bogus"], /--bogus/],
      [["serve", "--tools", "gen-config,ssh"], /unknown tool 'ssh'/],
      [["serve", "--toolsets", "kubectl"], /unknown toolset 'kubectl'/],
      [["serve", "--config", config], /unknown key 'toolset'/],
      [["serve", "--consent", "auto"], /only allowed with --sim/],
      [["frobnicate"], /unknown command 'frobnicate'/],
    ] as const) {
      const result = await run([...args]);
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it("doctor --json reports the pinned binaries and the workspace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-doctor-"));
    const result = await run(["doctor", "--json", "--workspace", join(dir, "ws")], { HOME: process.env.HOME ?? dir });
    const report = JSON.parse(result.stdout);
    expect(report.binaries.talosctl).toMatchObject({ version: "v1.12.6", pinned: true, supported: true });
    expect(report.binaries.omnictl).toMatchObject({ version: "v1.9.3", pinned: true });
    expect(report.workspace).toMatchObject({ path: join(dir, "ws"), exists: false });
    expect(Array.isArray(report.missing)).toBe(true);
  });

  it("HTTP refuses to bind off loopback without tokens", async () => {
    const result = await run(["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "0"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without --tokens/);
  });

  it("HTTP: SIGTERM stops the server gracefully with exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-sigterm-"));
    const child = execa(process.execPath, [CLI, "serve", "--transport", "http", "--port", "0", "--insecure-no-auth", "--workspace", join(dir, "ws"), "--state-dir", join(dir, "st")], {
      reject: false,
      stdin: "ignore",
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      extendEnv: false,
    });
    // Serving: wait for the server's own word, then see it answer.
    const [, url] = await outputMatching(child.stderr, /"url":"(http:\/\/[^"]+)\/mcp"[^\n]*serving MCP over HTTP/);
    expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(String(result.stderr)).toMatch(/shutting down/);
  });
});
