// The task host: everything one eval run needs, in one process, isolated from every other run —
// the task's simulation (its own loopback block), a stand-in Image Factory and an offline docs
// index (no network), the setup's state changes, then the task's server over Streamable HTTP on
// 127.0.0.1 with a per-run bearer token, and a small control endpoint that answers the
// simulation's state for verify. `eval setup` runs it detached (`eval host`); `eval run` and the
// tests run it in-process. stop() releases every port and process it started.
import { EvalInputError } from "./errors.js";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { stringify } from "yaml";
import { buildConfig, parseServeFlags, type Config } from "../config.js";
import { buildIndex, writeIndex } from "../docs/offline.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { configForSimulation, credentialRole } from "../serve.js";
import { createSessionServerFactory } from "../server/create-server.js";
import { PACKAGE_ROOT } from "../server/package-info.js";
import { startStandInFactory } from "../sim/factory/server.js";
import { startAnySimulation, type SimHandle } from "../sim/index.js";
import { startHttpServer } from "../transports/http.js";
import { hashToken } from "../transports/tokens.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { scenarioFor, type EvalTask } from "./definition.js";
import { applySetup } from "./setup.js";
import { isAlive } from "../exec/process-alive.js";
import { readRunInfo, removeRunEntries, RUN_ENTRIES, runPaths, type RunInfo } from "./run-dir.js";

/** Small docs pages (written for the evals, in the docs repository's layout) for the offline index. */
const EVAL_DOCS_DIR = join(PACKAGE_ROOT, "eval", "fixtures", "docs");

export interface TaskHost {
  run: RunInfo;
  sim: SimHandle;
  /** {{placeholder}} values of this run (node addresses, workspace, factoryHost). */
  vars: Record<string, string>;
  stop(): Promise<void>;
}

class HostError extends EvalInputError {
  override name = "HostError";
}

/**
 * The run directory must be new, empty, or a finished run's (its own entries only, which are
 * cleared): never a directory with other files, never one whose host still runs.
 */
export async function prepareRunDir(dir: string): Promise<void> {
  const { root, run } = runPaths(dir);
  if (existsSync(root)) {
    const foreign = readdirSync(root).filter((entry) => !RUN_ENTRIES.includes(entry));
    if (foreign.length) throw new HostError(`${root} holds files that are not an eval run's (${foreign.slice(0, 3).join(", ")}): give an empty or new directory`);
    if (existsSync(run) && isAlive(readRunInfo(dir).pid)) throw new HostError(`${root} holds a run that is still up: stop it with talos-mcp eval teardown --dir ${dir}`);
    await removeRunEntries(dir);
  }
  await mkdir(root, { recursive: true, mode: 0o700 });
}

/** Names usable as {{placeholders}}: node name → address (Talos) or machine id (Omni), plus paths. */
function placeholderVars(sim: SimHandle, extra: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(sim.nodes.map((node) => [node.name, node.address])), ...extra };
}

function serverConfig(task: EvalTask, dir: string, factoryUrl: string, consent = task.setup.server.consent): Config {
  const paths = runPaths(dir);
  const { server } = task.setup;
  const flags = [
    ...["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--tokens", paths.tokens],
    ...["--workspace", paths.workspace, "--state-dir", paths.state, "--audit-log", paths.audit],
    ...["--sim", scenarioFor(task), "--consent", consent, "--role", server.role],
    ...["--docs", "offline", "--docs-index", paths.docsIndex, "--factory-url", factoryUrl],
    ...(server.readOnly ? ["--read-only"] : []),
    ...(server.allowUnconfirmedDestructive ? ["--allow-unconfirmed-destructive"] : []),
  ];
  return buildConfig({ flags: parseServeFlags(flags), env: process.env, cwd: paths.root, knownTools: ALL_TOOLS.map((tool) => tool.name) });
}

/** How long verify waits for the simulation's scheduled transitions (a reset's reboot, joins, Omni readiness). */
export const SETTLE_MS = 10_000;

/** GET /state with the run's token: the simulation's state once its scheduled transitions are done. */
async function startControl(sim: SimHandle, token: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    if (req.method !== "GET" || req.url !== "/state") return void res.writeHead(404).end();
    await sim.settled(SETTLE_MS);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(sim.state()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export interface HostOptions {
  log?: Logger;
  /** How a harness starts a stdio server for this run (the bridge); defaults to this CLI. */
  stdio?: RunInfo["stdio"];
  /** The run directory was already checked and cleared (eval setup does it before starting the host). */
  prepared?: boolean;
  /** Another consent mode than the task's (a scripted run of a task that does not test consent). */
  consent?: EvalTask["setup"]["server"]["consent"];
}

export async function startTaskHost(task: EvalTask, dir: string, options: HostOptions = {}): Promise<TaskHost> {
  const log = options.log ?? pino({ level: "silent" });
  const paths = runPaths(dir);
  if (!options.prepared) await prepareRunDir(dir);
  const releases: (() => Promise<unknown>)[] = [];
  const release = async () => {
    for (const step of releases.reverse()) await step().catch((error: Error) => log.warn({ err: error.message }, "eval host: release failed"));
  };
  try {
    const sim = await startAnySimulation({ scenario: scenarioFor(task), dir: paths.sim });
    releases.push(() => sim.stop());
    const factory = await startStandInFactory();
    releases.push(() => factory.close());
    await writeIndex(await buildIndex(EVAL_DOCS_DIR), paths.docsIndex);
    const token = randomBytes(24).toString("base64url");
    await writeFileAtomic(paths.tokens, stringify({ tokens: [{ name: "eval-agent", token: `sha256:${hashToken(token).toString("hex")}`, role: task.setup.server.role }] }));

    const config = configForSimulation(serverConfig(task, dir, factory.url, options.consent), sim);
    const vars = placeholderVars(sim, { workspace: config.workspace, factoryHost: new URL(factory.url).host });
    await applySetup(task.setup.actions, { sim, config, dir, vars });

    const sessions = createSessionServerFactory(config, { credentialRole: await credentialRole(config, log), sim });
    const http = await startHttpServer(config, sessions, log);
    releases.push(() => http.close());
    const control = await startControl(sim, token);
    releases.push(() => new Promise((resolve) => control.server.close(resolve)));
    releases.push(() => writeFile(paths.finalState, JSON.stringify(sim.state()), { mode: 0o600 }));

    const run: RunInfo = {
      task: task.id,
      dir: paths.root,
      pid: process.pid,
      url: `${http.url}/mcp`,
      headers: { Authorization: `Bearer ${token}` },
      stdio: options.stdio ?? { command: process.execPath, args: [join(PACKAGE_ROOT, "dist", "src", "cli.js"), "eval", "connect", "--dir", paths.root] },
      controlUrl: control.url,
      workspace: config.workspace,
      auditLog: paths.audit,
      eventsFile: sim.eventsFile,
      agentStart: new Date().toISOString(),
      sim: { scenario: sim.scenario, talosconfig: sim.talosconfig, nodes: sim.nodes, ...(sim.omni ? { omniUrl: sim.omni.url } : {}), ...(sim.kubernetes ? { kubeconfig: sim.kubernetes.kubeconfig } : {}) },
      factoryUrl: factory.url,
    };
    await writeFileAtomic(paths.run, `${JSON.stringify(run, null, 2)}\n`);
    log.info({ task: task.id, url: run.url }, "eval task ready");
    return { run, sim, vars, stop: release };
  } catch (error) {
    await release();
    throw error;
  }
}
