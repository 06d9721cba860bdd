// One eval run lives in one directory: what `eval setup` started and where the evidence goes.
// `run.json` is written (atomically) once the task's server is ready; everything else is named
// here so setup, verify, trace and teardown agree on it.
import { EvalInputError } from "./errors.js";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { SimNodeInfo, SimState } from "../sim/index.js";

export function runPaths(dir: string) {
  const root = resolve(dir);
  return {
    root,
    run: join(root, "run.json"),
    hostLog: join(root, "host.log"),
    sim: join(root, "sim"),
    events: join(root, "sim", "events.jsonl"),
    workspace: join(root, "workspace"),
    state: join(root, "state"),
    audit: join(root, "audit.jsonl"),
    setupAudit: join(root, "setup-audit.jsonl"),
    tokens: join(root, "tokens.yaml"),
    docsIndex: join(root, "docs-index.json"),
    outside: join(root, "outside"),
    finalState: join(root, "final-state.json"),
    transcript: join(root, "transcript.jsonl"),
  };
}

/** Entries `eval setup` may create in a run directory (teardown removes exactly these). */
export const RUN_ENTRIES = ["run.json", "host.log", "sim", "workspace", "state", "audit.jsonl", "setup-audit.jsonl", "tokens.yaml", "docs-index.json", "outside", "final-state.json", "transcript.jsonl"];

/** Removes what a run put in its directory (its own entries only, never anything else). */
export async function removeRunEntries(dir: string): Promise<void> {
  const { root } = runPaths(dir);
  for (const entry of RUN_ENTRIES) await rm(join(root, entry), { recursive: true, force: true });
}

/** What a harness needs to reach the task's server, and what the run is made of. */
export interface RunInfo {
  task: string;
  dir: string;
  /** The process serving the task (the detached host), or this process when run in-process. */
  pid: number;
  /** Streamable HTTP endpoint of the task's server, and the header it needs. */
  url: string;
  headers: Record<string, string>;
  /** A stdio server for the same run (a bridge to `url`), for clients that only speak stdio. */
  stdio: { command: string; args: string[] };
  /** GET {controlUrl}/state: the simulation's state now (same bearer token). */
  controlUrl: string;
  workspace: string;
  auditLog: string;
  eventsFile: string;
  /** Tool calls and sim events before this time belong to the setup, not the agent. */
  agentStart: string;
  /** kubeconfig: Kubernetes scenarios, the real API server's admin kubeconfig (for a harness's own checks). */
  sim: { scenario: string; talosconfig: string; nodes: SimNodeInfo[]; omniUrl?: string; kubeconfig?: string };
  factoryUrl?: string;
}

export class RunDirError extends EvalInputError {
  override name = "RunDirError";
}

export function readRunInfo(dir: string): RunInfo {
  const file = runPaths(dir).run;
  if (!existsSync(file)) throw new RunDirError(`nothing is set up in ${resolve(dir)} (no run.json): run talos-mcp eval setup TASK --dir ${dir} first`);
  return JSON.parse(readFileSync(file, "utf8")) as RunInfo;
}

/** One JSON value per line (the audit log, the sim's event log); a file not written yet has none. */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

export function readFinalState(dir: string): SimState | undefined {
  const file = runPaths(dir).finalState;
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SimState) : undefined;
}
