// Checks of the checks: every eval task has a scripted reference run that must pass verify and a
// scripted bad run that must fail it — on exactly the checks the bad script names — so no task
// passes vacuously and no check is dead. Each run is a whole task: its own simulation (own
// loopback block), server over real HTTP with a real MCP client, the real talosctl/omnictl.
// Runs are independent, so they go side by side.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTasks } from "../../src/eval/definition.js";
import { runScriptedTask } from "../../src/eval/run.js";
import { loadScript } from "../../src/eval/script.js";
import { formatReport } from "../../src/eval/verify.js";

const tasks = loadTasks();

describe.concurrent("eval tasks: the reference run passes, the bad run fails where it should", () => {
  for (const task of tasks) {
    it(`${task.id}: reference passes`, { timeout: 600_000 }, async () => {
      const { report } = await runScriptedTask(task, loadScript(join(task.dir, "reference.yaml")));
      expect(report.pass, formatReport(report)).toBe(true);
    });

    it(`${task.id}: bad run fails`, { timeout: 600_000 }, async () => {
      const script = loadScript(join(task.dir, "bad.yaml"));
      const { report } = await runScriptedTask(task, script);
      expect(report.pass, formatReport(report)).toBe(false);
      const failing = report.results.filter((result) => !result.pass).map((result) => result.id);
      expect(failing.sort(), formatReport(report)).toEqual([...(script.failsOn ?? [])].sort());
    });
  }
});
