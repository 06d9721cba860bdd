// Runs the pinned talosctl the way a user would (tests only).
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export const TALOSCTL = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/talosctl");

export async function talosctl(args: string[], options: { talosconfig?: string; cwd?: string } = {}) {
  const result = await execa(TALOSCTL, args, {
    reject: false,
    stdin: "ignore",
    cwd: options.cwd,
    timeout: 60_000,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: options.cwd ?? process.env.HOME ?? "/tmp", ...(options.talosconfig ? { TALOSCONFIG: options.talosconfig } : {}) },
  });
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
