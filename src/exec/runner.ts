// Runs one child process for the guard: argv array (never a shell), no stdin (a CLI prompt can
// never hang a call), scrubbed environment, timeout, cancellation (SIGTERM, then SIGKILL), and
// stdout/stderr kept up to a cap with a `truncated` flag so a chatty child cannot exhaust memory.
//
// The child leads its own process group, and every stop signals the whole group: a wrapper
// script's grandchild that holds stdout open would otherwise keep the call waiting long past its
// timeout, and outlive it. A child that prints past the cap is stopped at once (what it prints
// after that is thrown away anyway). When the child exits, whatever it left running is killed.
//
// execa (with its dependencies ≈130 modules) is imported at the first run, not at start: the
// guard imports this module, and a server's start-up should not pay for it (bench/README.md).
import type { CliResult } from "../server/tool-spec.js";

export interface RunRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  outputCapBytes: number;
}

/** Grace between SIGTERM and SIGKILL when a child is stopped. */
const KILL_GRACE_MS = 3_000;

class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(
    private readonly cap: number,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.size >= this.cap) {
      this.overflow();
      return;
    }
    const room = this.cap - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    if (kept.length < chunk.length) this.overflow();
  }

  private overflow(): void {
    this.truncated = true;
    this.onOverflow();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Process groups of children still running, killed if the server exits first. */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function signalGroup(group: number | undefined, signal: NodeJS.Signals): void {
  if (group === undefined) return;
  try {
    process.kill(-group, signal);
  } catch {
    // The group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const group of runningGroups) signalGroup(group, "SIGKILL");
  });
}

type StopReason = "timeout" | "cancel" | "overflow";

export async function runProcess(req: RunRequest): Promise<CliResult> {
  const { execa } = await import("execa");
  installExitHook();
  const started = Date.now();
  let stopReason: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let group: number | undefined;
  const stop = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    signalGroup(group, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(group, "SIGKILL"), KILL_GRACE_MS);
  };
  const stdout = new CappedBuffer(req.outputCapBytes, () => stop("overflow"));
  const stderr = new CappedBuffer(req.outputCapBytes, () => stop("overflow"));
  const child = execa(req.file, req.args, {
    cwd: req.cwd,
    env: req.env,
    extendEnv: false,
    shell: false,
    stdin: "ignore",
    buffer: false,
    reject: false,
    // Its own process group, so a stop reaches every process it started (see above).
    detached: true,
    windowsHide: true,
  });
  group = child.pid;
  if (group !== undefined) runningGroups.add(group);
  child.once("exit", () => signalGroup(group, "SIGKILL"));
  const timer = setTimeout(() => stop("timeout"), req.timeoutMs);
  const onCancel = () => stop("cancel");
  if (req.signal?.aborted) onCancel();
  else req.signal?.addEventListener("abort", onCancel, { once: true });
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  let result: Awaited<typeof child>;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    req.signal?.removeEventListener("abort", onCancel);
    if (group !== undefined) runningGroups.delete(group);
  }
  const missing = (result as { code?: string }).code === "ENOENT";
  const aborted = stopReason === "timeout" || stopReason === "cancel";
  let stderrText = stderr.text();
  if (missing) stderrText = `${req.file}: not found (ENOENT)`;
  else if (stopReason === "timeout") stderrText += `\n(timed out after ${req.timeoutMs} ms; the process was stopped)`;
  else if (stopReason === "cancel") stderrText += "\n(cancelled; the process was stopped)";
  else if (stopReason === "overflow") stderrText += `\n(printed more than ${req.outputCapBytes} bytes; the process was stopped)`;
  return {
    argv: [req.file, ...req.args],
    exitCode: missing ? 127 : (result.exitCode ?? (aborted ? 130 : 1)),
    stdout: stdout.text(),
    stderr: stderrText,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: Date.now() - started,
    aborted,
  };
}
