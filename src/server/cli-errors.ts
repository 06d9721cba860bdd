// Maps a failed talosctl/omnictl run to a ToolError that quotes the CLI's own message and says
// what to do next. Patterns come from the CLIs' documented error texts (reference §0, §2, §4).
import { ToolError } from "./errors.js";
import type { CliResult } from "./tool-spec.js";

type Binary = "talosctl" | "omnictl";

/** [what the CLI printed, what to do next, the CLI it applies to (both when absent)]; first match wins. */
const NEXT_STEPS: ReadonlyArray<readonly [RegExp, string, Binary?]> = [
  [/\(timed out after \d+ ms; the process was stopped\)$/, "the CLI did not finish in time: the target may be slow or unreachable; check it (health, etcd-status) before trying again"],
  [/\(printed more than \d+ bytes; the process was stopped\)$/, "the CLI printed far more than expected: narrow the query (fewer nodes, one id, a smaller tail), and check that the binary is the real CLI"],
  [/etcd data directory is not empty/i, "this node is already bootstrapped: do not run bootstrap again; check etcd-status and health instead", "talosctl"],
  [/insufficient role/i, "the Omni service account's role does not allow this change; use the key of an Operator or Admin service account", "omnictl"],
  [/break-glass/i, "break-glass access is off for this account or Omni instance; use the regular talosconfig/kubeconfig (Omni-managed nodes change through template-sync)", "omnictl"],
  [/gopenpgp|key ring|openpgp: /i, "the Omni service-account key is not a usable PGP key: copy it again exactly as `omnictl serviceaccount create <name>` printed it", "omnictl"],
  [/Unauthenticated|invalid signature|unknown public key/i, "Omni did not accept the service-account key (revoked, expired, or from another Omni instance): create a new one with `omnictl serviceaccount create <name>`", "omnictl"],
  [/connection refused|Unavailable|no such host|i\/o timeout|deadline exceeded/i, "Omni is not reachable: check the URL (OMNI_ENDPOINT or the omniconfig's current context) and the network", "omnictl"],
  [/PermissionDenied|not authorized/i, "the credential's Talos role does not allow this call; use an os:admin (or os:operator) talosconfig context", "talosctl"],
  [/already exists, use --force/i, "the target file exists; pass overwrite: true if replacing it is intended"],
  [/no scheme and port specified/i, "give the endpoint as https://<host>:<port>, e.g. https://10.0.0.2:6443", "talosctl"],
  [/connection refused|Unavailable|no route to host|i\/o timeout|deadline exceeded/i, "the node is not reachable on the Talos API (port 50000): check the address, that it is booted, and the network", "talosctl"],
  [/certificate signed by unknown authority|x509:/i, "the node does not trust this talosconfig's CA: it may be in maintenance mode (apply with insecure) or belong to another cluster", "talosctl"],
  [/bootstrap is not available yet/i, "the node is not ready for bootstrap yet (CRI not up): wait, watch dmesg/logs, then try once", "talosctl"],
  [/time is not in sync/i, "the node's clock is not synchronised yet: check time servers (get timestatus), then bootstrap once", "talosctl"],
  [/bootstrap can only be performed on a control plane node/i, "bootstrap a control-plane node, not a worker", "talosctl"],
  [/Please visit this page to authenticate|Attempting to open URL/i, "Omni needs a service-account key: set OMNI_SERVICE_ACCOUNT_KEY (or omniServiceAccountKeyFile in the config)"],
  [/unknown (command|flag|shorthand flag)/i, "the command or flag does not exist in the pinned CLI; check it with cli-help"],
];

/** The last meaningful lines of stderr (or stdout), without usage noise. */
export function cliMessage(result: CliResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n");
  const usageAt = text.findIndex((line) => /^Usage:/.test(line));
  const relevant = (usageAt > 0 ? text.slice(0, usageAt) : text).filter((line) => line.trim() !== "");
  return relevant.slice(-15).join("\n");
}

/** What to do after `binary` printed `message`; talosctl when the binary is not known. */
export function nextStepFor(message: string, binary: string = "talosctl"): string | undefined {
  return NEXT_STEPS.find(([pattern, , only]) => (!only || only === binary) && pattern.test(message))?.[1];
}

/** Returns the result when the CLI succeeded; otherwise throws a ToolError with its message. */
export function requireSuccess(result: CliResult, what: string): CliResult {
  if (result.exitCode === 0 && !result.aborted) return result;
  // The runner's last stderr line says whether the call timed out, was cancelled or overflowed.
  const message = cliMessage(result) || (result.aborted ? "cancelled or timed out" : "");
  throw new ToolError(`${what} failed (exit ${result.exitCode})`, {
    cliMessage: message,
    exitCode: result.exitCode,
    next: nextStepFor(message, result.argv[0]) ?? "read the CLI's message above; cli-help shows the command's usage",
  });
}
