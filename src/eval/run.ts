// `eval run TASK --script FILE`: set the task up (in this process), drive the scripted agent
// through a real MCP client over HTTP, verify, and tear everything down.
import { mkdtempSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvalTask } from "./definition.js";
import { SETTLE_MS, startTaskHost } from "./host.js";
import { removeRunEntries, runPaths } from "./run-dir.js";
import { connectToRun, runScript, scriptedUser, type AgentScript, type TranscriptEntry } from "./script.js";
import { verifyRun, type VerifyReport } from "./verify.js";

export interface ScriptedRun {
  report: VerifyReport;
  transcript: TranscriptEntry[];
  dir: string;
}

export async function runScriptedTask(task: EvalTask, script: AgentScript, options: { dir?: string; keep?: boolean } = {}): Promise<ScriptedRun> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `talos-mcp-eval-${task.name}-`));
  const host = await startTaskHost(task, dir, { consent: script.consent });
  try {
    const client = await connectToRun(host.run, script.elicit ? scriptedUser(script.elicit) : undefined);
    let transcript: TranscriptEntry[];
    try {
      transcript = await runScript(client, script, host.vars);
    } finally {
      await client.close();
    }
    await writeFile(runPaths(dir).transcript, transcript.map((entry) => JSON.stringify(entry)).join("\n") + "\n", { mode: 0o600 });
    await host.sim.settled(SETTLE_MS);
    const report = await verifyRun(task, host.run, { state: host.sim.state(), answer: script.answer });
    return { report, transcript, dir };
  } finally {
    await host.stop();
    if (!options.keep) {
      await removeRunEntries(dir);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    }
  }
}
