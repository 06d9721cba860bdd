// Runs one child process for the guard: argv array (never a shell), no stdin (a CLI prompt can
// never hang a call), scrubbed environment, timeout, cancellation (SIGTERM, then SIGKILL), and
// stdout/stderr kept up to a cap with a `truncated` flag so a chatty child cannot exhaust memory.
import { execa } from "execa";
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

class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export async function runProcess(req: RunRequest): Promise<CliResult> {
  const started = Date.now();
  const stdout = new CappedBuffer(req.outputCapBytes);
  const stderr = new CappedBuffer(req.outputCapBytes);
  const child = execa(req.file, req.args, {
    cwd: req.cwd,
    env: req.env,
    extendEnv: false,
    shell: false,
    stdin: "ignore",
    buffer: false,
    reject: false,
    timeout: req.timeoutMs,
    cancelSignal: req.signal,
    killSignal: "SIGTERM",
    forceKillAfterDelay: 3_000,
    cleanup: true,
    windowsHide: true,
  });
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const result = await child;
  const missing = (result as { code?: string }).code === "ENOENT";
  const aborted = Boolean(result.isCanceled || result.timedOut || (result.isTerminated && req.signal?.aborted));
  let stderrText = stderr.text();
  if (missing) stderrText = `${req.file}: not found (ENOENT)`;
  else if (result.timedOut) stderrText += `\n(timed out after ${req.timeoutMs} ms; the process was stopped)`;
  else if (result.isCanceled) stderrText += "\n(cancelled; the process was stopped)";
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
