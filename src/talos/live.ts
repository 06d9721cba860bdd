// Small helpers shared by the live tool files, so each stays declarative: run a talosctl command
// against the resolved target and nodes (failing with the CLI's own words), and move a file a
// CLI wrote into the workspace atomically, reporting path, size and sha256 — never contents.
import { readFile, stat } from "node:fs/promises";
import { relative } from "node:path";
import { createHash } from "node:crypto";
import { requireSuccess } from "../server/cli-errors.js";
import type { CliResult, ToolContext } from "../server/tool-spec.js";
import type { LiveTarget } from "./targets.js";

export async function talos(ctx: ToolContext, target: LiveTarget, args: string[], nodes: string[], what: string, timeoutMs?: number): Promise<CliResult> {
  const result = await ctx.cli.run("talosctl", args, { target: { ...target.cli, nodes }, timeoutMs });
  return requireSuccess(result, what);
}

export type StoredFile = {
  path: string;
  bytes: number;
  sha256: string;
};

/** Copies a file produced in a scratch dir to `destination` in the workspace (0600, atomic). */
export async function storeInWorkspace(ctx: ToolContext, produced: string, destination: string): Promise<StoredFile> {
  const data = await readFile(produced);
  await ctx.workspace.writeFile(destination, data, 0o600);
  const bytes = (await stat(destination)).size;
  return { path: relative(ctx.workspace.root, destination), bytes, sha256: createHash("sha256").update(data).digest("hex") };
}

/**
 * Emits a progress notification every few seconds while `work` runs, so clients with a 60 s
 * request timeout (reset on progress) keep waiting for long calls like health and upgrade.
 */
export async function withHeartbeat<T>(ctx: ToolContext, label: string, work: Promise<T>, everyMs = 3_000): Promise<T> {
  const started = Date.now();
  let beats = 0;
  await ctx.progress(`${label}: started`, beats);
  const timer = setInterval(() => {
    beats += 1;
    void ctx.progress(`${label}: still running (${Math.round((Date.now() - started) / 1000)} s)`, beats);
  }, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export function nodeTargetsSummary(nodes: readonly string[]): string {
  return nodes.length === 1 ? nodes[0]! : `${nodes.length} nodes (${nodes.join(", ")})`;
}
