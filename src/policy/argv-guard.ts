// Rule argv-guard: the last check on every child's argv before it runs. Tools build argv from typed
// fields with long flags only; the server adds target flags itself after this check. So anything
// that looks like a short flag, a target/credential flag, or a value smuggled in as a flag means
// the argv did not come from where it should, and the call is refused.
import type { CommandTreeData } from "../backends/command-tree-types.js";
import { PolicyDenied } from "../server/errors.js";
import type { CliBinary } from "../server/tool-spec.js";
import { checkCommand } from "./command-check.js";

/**
 * Flags that pick the connection or the credential: the server sets them, never model input.
 * Per binary, because the same name can mean different things: talosctl --cluster picks a proxy
 * target, omnictl --cluster names the Omni cluster a command is about.
 */
export const TARGET_FLAGS: Record<CliBinary, readonly string[]> = {
  talosctl: ["--talosconfig", "--endpoints", "--cluster", "--context", "--nodes", "--siderov1-keys-dir"],
  omnictl: ["--omniconfig", "--context", "--siderov1-keys-dir", "--insecure-skip-tls-verify"],
};

export function checkArgv(binary: CliBinary, args: readonly string[], tree?: CommandTreeData): void {
  const deny = (reason: string, fix: string) => {
    throw new PolicyDenied("argv-guard", reason, fix);
  };
  for (const arg of args) {
    if (/[\0\r\n]/.test(arg)) deny(`argument ${JSON.stringify(arg.slice(0, 40))} contains a control character`, "pass values without newlines or NUL bytes");
    if (arg === "-" || arg === "--") deny(`bare '${arg}' is not allowed in argv`, "tools pass explicit flags and values");
    if (!arg.startsWith("-")) continue;
    if (!arg.startsWith("--")) deny(`short flag or dash-prefixed value '${arg}' in argv`, "values must not start with '-'; tools use long flags");
    const name = arg.split("=")[0]!;
    if (TARGET_FLAGS[binary].includes(name)) deny(`${name} may only be set by the server (targets come from cluster/context/nodes fields)`, "choose the cluster, context and nodes through the tool's fields");
  }
  if (tree) {
    const check = checkCommand(binary, args, tree);
    if (!check.ok) throw new PolicyDenied("real-commands-only", check.message, check.suggestion ? `use ${check.suggestion}` : "check the command with cli-help");
  }
}
