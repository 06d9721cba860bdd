// verify: the task's checks on the run's evidence — pass/fail per check with what decided it.
import type { SimState } from "../sim/index.js";
import { evaluateChecks, type CheckResult } from "./checks.js";
import { readsAnswer, type EvalTask } from "./definition.js";
import { collectEvidence } from "./evidence.js";
import { readFinalState, RunDirError, type RunInfo } from "./run-dir.js";

export interface VerifyReport {
  task: string;
  pass: boolean;
  results: CheckResult[];
}

/** The simulation's state: asked from the running host, else the state it wrote when it stopped. */
export async function runState(run: RunInfo): Promise<SimState> {
  try {
    const response = await fetch(`${run.controlUrl}/state`, { headers: run.headers, signal: AbortSignal.timeout(10_000) });
    if (response.ok) return (await response.json()) as SimState;
  } catch {
    // The host is gone (torn down with --keep): fall back to the state it left.
  }
  const final = readFinalState(run.dir);
  if (!final) throw new RunDirError(`the run in ${run.dir} is not running and left no final state: set it up again`);
  return final;
}

export async function verifyRun(task: EvalTask, run: RunInfo, options: { state: SimState; answer?: string }): Promise<VerifyReport> {
  if (run.task !== task.id) throw new RunDirError(`${run.dir} holds a run of ${run.task}, not ${task.id}`);
  const evidence = await collectEvidence({ run, state: options.state, answer: options.answer });
  const verdict = evaluateChecks({ success: task.checks, forbidden: task.forbidden }, evidence);
  const results = [...verdict.results];
  if (readsAnswer(task) && options.answer === undefined) {
    // Checks on the answer must not pass because nobody gave one.
    results.push({ id: "answer-given", kind: "success", says: "the agent's final answer was given to verify", pass: false, reason: "no answer: pass --answer TEXT or --answer-file FILE (mcpchecker: {agent.output})", evidence: [] });
  }
  return { task: task.id, pass: results.every((result) => result.pass), results };
}

export function formatReport(report: VerifyReport): string {
  const lines = [`${report.pass ? "PASS" : "FAIL"} ${report.task}`];
  for (const result of report.results) {
    lines.push(`  ${result.pass ? "ok  " : "FAIL"} ${result.kind === "forbidden" ? "forbidden: " : ""}${result.says} — ${result.reason}`);
    if (!result.pass) for (const record of result.evidence.slice(0, 3)) lines.push(`         ${JSON.stringify(record).slice(0, 300)}`);
  }
  return `${lines.join("\n")}\n`;
}
