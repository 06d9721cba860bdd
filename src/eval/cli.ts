// `talos-mcp eval …`: list the tasks, set one up (detached: the command returns with the
// connection details), verify a run on its evidence, tear it down, print its trace, drive a
// scripted agent through a whole run, bridge a long-lived MCP client to the current run, and
// generate the mcpchecker files. Exit codes: 0 pass / done, 1 fail, 2 bad input.
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { portIsFree } from "../sim/loopback.js";
import { PACKAGE_ROOT } from "../server/package-info.js";
import { findTask, loadTasks } from "./definition.js";
import { EvalInputError } from "./errors.js";
import { staleFiles, writeGeneratedFiles } from "./mcpchecker.js";
import { isAlive } from "../exec/process-alive.js";
import { readRunInfo, removeRunEntries, RunDirError, runPaths, type RunInfo } from "./run-dir.js";
import { buildTrace } from "./trace.js";

// The server, the simulators and the MCP client load only for the commands that need them, so
// list, generate, trace and teardown start fast.
const hostModule = () => import("./host.js");
const runModule = () => import("./run.js");
const scriptModule = () => import("./script.js");
const verifyModule = () => import("./verify.js");

const HELP = `Usage:
  talos-mcp eval list [--json]                      the tasks (id, difficulty, rules, workflows)
  talos-mcp eval setup TASK --dir D                 start what TASK needs (detached) and print the
                                                    connection details as JSON: url + headers (HTTP),
                                                    stdio command, workspace, sim nodes
  talos-mcp eval verify TASK --dir D [--json] [--answer TEXT | --answer-file FILE|- | --answer-env VAR]
                                                    every check with its evidence; exit 0 pass, 1 fail
  talos-mcp eval teardown --dir D [--keep]          stop everything setup started; remove the run's
                                                    files (--keep: leave them for trace/verify)
  talos-mcp eval trace --dir D                      one JSONL timeline: audit lines and sim events, with
                                                    MCP request ids
  talos-mcp eval run TASK --script FILE|reference|bad [--json] [--dir D --keep]
                                                    setup, a scripted agent over MCP, verify, teardown
  talos-mcp eval connect [--dir D] [--port P]       an MCP server (stdio, or HTTP on 127.0.0.1:P) that
                                                    forwards to the task set up in D now (for runners
                                                    that connect once, e.g. mcpchecker)
  talos-mcp eval generate [--check]                 write (or check) the mcpchecker files generated from
                                                    the task definitions
TASK is a task name or suite/name (see eval list). D defaults to $TALOS_MCP_EVAL_DIR for connect.
See docs/evals.md.
`;

const OPTIONS = {
  dir: { type: "string" },
  json: { type: "boolean" },
  answer: { type: "string" },
  "answer-file": { type: "string" },
  "answer-env": { type: "string" },
  keep: { type: "boolean" },
  script: { type: "string" },
  port: { type: "string" },
  check: { type: "boolean" },
  help: { type: "boolean" },
} as const;

class UsageError extends EvalInputError {}

const out = (text: string) => process.stdout.write(text);
const json = (value: unknown) => out(`${JSON.stringify(value, null, 2)}\n`);

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required (see talos-mcp eval --help)`);
  return value;
}

function oneTask(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`eval ${command} takes one TASK (see talos-mcp eval list)`);
  return positionals[0]!;
}

function readAnswer(values: { answer?: string; "answer-file"?: string; "answer-env"?: string }): string | undefined {
  const given = [values.answer, values["answer-file"], values["answer-env"]].filter((v) => v !== undefined);
  if (given.length > 1) throw new UsageError("give the answer once: --answer, --answer-file or --answer-env");
  if (values["answer-file"] !== undefined) return readFileSync(values["answer-file"] === "-" ? 0 : values["answer-file"], "utf8");
  if (values["answer-env"] !== undefined) {
    const text = process.env[values["answer-env"]];
    if (text === undefined) throw new UsageError(`--answer-env ${values["answer-env"]}: that environment variable is not set`);
    return text;
  }
  return values.answer;
}

const CLI_FILE = join(PACKAGE_ROOT, "dist", "src", "cli.js");

/** Starts the task's host detached, waits until it wrote run.json (or died), returns the run. */
async function setup(task: string, dir: string): Promise<RunInfo> {
  const resolved = findTask(task);
  const { prepareRunDir } = await hostModule();
  await prepareRunDir(dir);
  const paths = runPaths(dir);
  const log = openSync(paths.hostLog, "a", 0o600);
  const child = spawn(process.execPath, [CLI_FILE, "eval", "host", resolved.id, "--dir", paths.root], { detached: true, stdio: ["ignore", log, log] });
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + 180_000;
  while (!existsSync(paths.run)) {
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) process.kill(child.pid!, "SIGKILL");
      const reason = readFileSync(paths.hostLog, "utf8").trim().split("\n").slice(-5).join("\n");
      throw new RunDirError(`the task host did not start${exited === undefined ? " within 180 s" : ` (exit ${exited})`}: ${reason || "no output"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return readRunInfo(dir);
}

/** What setup started: the host process, the server's and the simulation's listeners. */
async function teardown(dir: string, keep: boolean): Promise<Record<string, unknown>> {
  const paths = runPaths(dir);
  const run = existsSync(paths.run) ? readRunInfo(dir) : undefined;
  let stopped: number | undefined;
  if (run && run.pid !== process.pid && isAlive(run.pid)) {
    process.kill(run.pid, "SIGTERM");
    const deadline = Date.now() + 20_000;
    while (isAlive(run.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (isAlive(run.pid)) process.kill(run.pid, "SIGKILL");
    stopped = run.pid;
  }
  const listeners = run ? [...run.sim.nodes.filter((node) => /^127\./.test(node.address)).map((node) => `${node.address}:50000`), ...[run.url, run.controlUrl, run.factoryUrl].filter(Boolean).map((url) => new URL(url!).host)] : [];
  const busy: string[] = [];
  for (const listener of listeners) {
    const [address, port] = listener.split(":");
    if (!(await portIsFree(address!, Number(port)))) busy.push(listener);
  }
  if (!keep) {
    await removeRunEntries(dir);
    if (existsSync(paths.root) && readdirSync(paths.root).length === 0) rmdirSync(paths.root);
  }
  if (busy.length) throw new RunDirError(`after teardown these addresses are still in use: ${busy.join(", ")}`);
  return { dir: paths.root, task: run?.task ?? null, stopped: stopped ?? null, removed: !keep };
}

/** The host process `eval setup` starts: serves the task until SIGTERM/SIGINT. */
async function host(task: string, dir: string): Promise<number> {
  const stop = new Promise<void>((resolve) => process.once("SIGTERM", resolve).once("SIGINT", resolve));
  const { pino } = await import("pino");
  const log = pino({ level: "info", base: { name: "talos-mcp-eval-host" } }, pino.destination(2));
  const { startTaskHost } = await hostModule();
  const running = await startTaskHost(findTask(task), dir, { log, prepared: true });
  await stop;
  await running.stop();
  return 0;
}

export async function runEvalCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    out(HELP);
    return command ? 0 : 2;
  }
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
      } catch (error) {
        throw new UsageError(`${(error as Error).message} (see talos-mcp eval --help)`);
      }
    })();
    if (values.help) {
      out(HELP);
      return 0;
    }
    switch (command) {
      case "list": {
        const tasks = loadTasks();
        if (values.json) json(tasks.map((t) => ({ id: t.id, name: t.name, suite: t.suite, difficulty: t.difficulty, rules: t.covers.rules, workflows: t.covers.workflows, prompt: t.prompt })));
        else out(tasks.map((t) => `${t.id.padEnd(48)}${t.difficulty.padEnd(8)}${[...t.covers.rules, ...t.covers.workflows.map((w) => `workflow:${w}`)].join(", ")}`).join("\n") + "\n");
        return 0;
      }
      case "setup": {
        json(await setup(oneTask(positionals, "setup"), required(values.dir, "--dir")));
        return 0;
      }
      case "host":
        return await host(oneTask(positionals, "host"), required(values.dir, "--dir"));
      case "verify": {
        const task = findTask(oneTask(positionals, "verify"));
        const run = readRunInfo(required(values.dir, "--dir"));
        const { formatReport, runState, verifyRun } = await verifyModule();
        const report = await verifyRun(task, run, { state: await runState(run), answer: readAnswer(values) });
        if (values.json) json(report);
        else out(formatReport(report));
        return report.pass ? 0 : 1;
      }
      case "teardown":
        json(await teardown(required(values.dir, "--dir"), values.keep === true));
        return 0;
      case "trace": {
        for (const line of buildTrace(readRunInfo(required(values.dir, "--dir")))) out(`${JSON.stringify(line)}\n`);
        return 0;
      }
      case "run": {
        const task = findTask(oneTask(positionals, "run"));
        const scriptName = required(values.script, "--script");
        const file = scriptName === "reference" || scriptName === "bad" ? join(task.dir, `${scriptName}.yaml`) : scriptName;
        if (values.keep && !values.dir) throw new UsageError("--keep needs --dir (where the run's files stay)");
        const [{ runScriptedTask }, { loadScript }, { formatReport }] = await Promise.all([runModule(), scriptModule(), verifyModule()]);
        const result = await runScriptedTask(task, loadScript(file), { dir: values.dir, keep: values.keep === true });
        if (values.json) json({ ...result.report, transcript: result.transcript });
        else out(formatReport(result.report));
        return result.report.pass ? 0 : 1;
      }
      case "connect": {
        const dir = required(values.dir ?? process.env.TALOS_MCP_EVAL_DIR, "--dir (or TALOS_MCP_EVAL_DIR)");
        const { serveBridgeHttp, serveBridgeStdio } = await import("./bridge.js");
        if (values.port === undefined) await serveBridgeStdio(dir);
        else {
          const port = Number(values.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port '${values.port}' is not a port number (0-65535)`);
          await serveBridgeHttp(dir, port, (url) => process.stderr.write(`talos-mcp eval connect: serving ${url} for the task set up in ${dir}\n`));
        }
        return 0;
      }
      case "generate": {
        const tasks = loadTasks();
        if (values.check) {
          const stale = staleFiles(tasks);
          if (stale.length) process.stderr.write(`talos-mcp eval: stale generated files (run talos-mcp eval generate): ${stale.join(", ")}\n`);
          return stale.length ? 1 : 0;
        }
        const written = await writeGeneratedFiles(tasks);
        out(written.length ? `wrote ${written.join(", ")}\n` : "generated files are current\n");
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}' (see talos-mcp eval --help)`);
    }
  } catch (error) {
    if (error instanceof EvalInputError) {
      process.stderr.write(`talos-mcp eval: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
