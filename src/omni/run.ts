// One way for the Omni tools to call a live Omni: the service-account key is the target's auth (the
// wrapper puts it in the child's environment; refused up front when missing, so omnictl never
// waits for a browser), the operator's omniconfig goes in as a target (the wrapper turns it into
// --omniconfig), and a failure becomes a ToolError quoting omnictl.
import { requireSuccess } from "../server/cli-errors.js";
import type { CliResult, ToolContext } from "../server/tool-spec.js";
import { omniAuthEnv } from "./auth.js";

/** The key and URL omnictl gets; throws a ToolError naming the fix when no Omni is configured. */
export function omniEnvFor(ctx: ToolContext): Promise<Record<string, string>> {
  // In --sim mode the simulated Omni's key and URL are used, never an operator's Omni environment.
  return omniAuthEnv({ keyFile: ctx.config.omniServiceAccountKeyFile, omniconfig: ctx.config.omniconfig, caFile: ctx.config.omniCaFile, env: ctx.config.sim ? {} : process.env });
}

/** Runs omnictl and returns its result whatever the exit code (for callers that read failures). */
export async function callOmnictl(ctx: ToolContext, args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const auth = { env: await omniEnvFor(ctx) };
  return ctx.cli.run("omnictl", args, { ...options, target: { ...(ctx.config.omniconfig ? { omniconfig: ctx.config.omniconfig } : {}), auth } });
}

export async function runOmnictl(ctx: ToolContext, args: string[], what: string, options: { timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return requireSuccess(await callOmnictl(ctx, args, options), what);
}
