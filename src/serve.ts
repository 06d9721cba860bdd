// `talos-mcp serve`: resolve the credential, optionally start the simulator, then serve.
import { mkdtemp, rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import type { SimHandle } from "./sim/index.js";
import type { Config } from "./config-types.js";
import { discoverBinary } from "./backends/binaries.js";
import { isSupportedVersion } from "./backends/versions.js";
import { readTalosconfig, resolveTalosconfigPath } from "./backends/talosconfig.js";
import { createSessionServerFactory } from "./server/create-server.js";
import { sweepStaleTemps } from "./fs/atomic.js";
import type { StateBackend } from "./state/backend.js";
import { openStateBackend } from "./state/open.js";
import type { KubernetesStateBackend } from "./state/kubernetes-backend.js";
import { roleFromTalosRoles, type Role } from "./server/roles.js";
import type { CliBinary } from "./server/tool-spec.js";

/** The role of the talosconfig context in use, or undefined when there is no usable credential. */
export async function credentialRole(config: Pick<Config, "talosconfig" | "context">, log: Logger): Promise<Role | undefined> {
  const path = resolveTalosconfigPath(config.talosconfig);
  if (!path) return undefined;
  try {
    const info = await readTalosconfig(path);
    const name = config.context ?? info.current;
    const context = info.contexts.find((candidate) => candidate.name === name);
    if (!context) {
      log.warn({ talosconfig: path, context: name }, "talosconfig has no such context; live tools will fail until it is fixed");
      return undefined;
    }
    return roleFromTalosRoles(context.roles);
  } catch (error) {
    log.warn({ talosconfig: path, err: (error as Error).message }, "cannot read talosconfig; live tools will fail until it is fixed");
    return undefined;
  }
}

async function warnAboutBinaries(config: Config, log: Logger): Promise<void> {
  for (const binary of ["talosctl", "omnictl"] as CliBinary[]) {
    const info = await discoverBinary(binary, { explicitPath: config.binaries[binary] }).catch((error: Error) => {
      log.warn({ binary, err: error.message }, "binary discovery failed");
      return undefined;
    });
    if (!info) log.warn({ binary }, `${binary} not found: run \`npm run clis\` (scripts/build-clis) or set ${binary.toUpperCase()}`);
    else if (!isSupportedVersion(binary, info.version)) log.warn({ binary, version: info.version, path: info.path }, `${binary} version is outside the supported range`);
  }
}

/** The server's configuration pointed at a simulation: its talosconfig and, for Omni, its Omni. */
export function configForSimulation(config: Config, sim: SimHandle): Config {
  const omni = sim.omni ? { omniconfig: sim.omni.omniconfig, omniServiceAccountKeyFile: sim.omni.serviceAccountKeyFile, omniCaFile: sim.omni.caFile } : {};
  return Object.freeze({ ...config, talosconfig: sim.talosconfig, context: undefined, ...omni });
}

/**
 * In --sim mode: start the simulated cluster in-process, in a private temp dir, and point the
 * server at it. `release` stops it and removes the dir (keys, events): nothing stays behind.
 */
async function withSimulation(config: Config, log: Logger): Promise<{ config: Config; sim?: SimHandle; release(): Promise<void> }> {
  if (!config.sim) return { config, release: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), "talos-mcp-sim-"));
  try {
    // Loaded only in --sim mode: serving a real cluster never pays for the gRPC simulator.
    const { startAnySimulation } = await import("./sim/index.js");
    const sim = await startAnySimulation({ scenario: config.sim, dir });
    log.info({ scenario: sim.scenario, nodes: sim.nodes, talosconfig: sim.talosconfig, omni: sim.omni?.url }, sim.omni ? "simulated Omni started" : "simulated cluster started");
    return { config: configForSimulation(config, sim), sim, release: () => sim.stop().finally(() => rm(dir, { recursive: true, force: true })) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Settles on the first SIGTERM or SIGINT; listening from the start, so an early signal is not lost. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
}

/**
 * With --tokens-secret: the tokens come from a Secret, mirrored into a file the transport watches,
 * read with the kubernetes state backend's credentials (the config allows it with no other backend).
 */
async function withTokensSecret(config: Config, state: StateBackend, log: Logger): Promise<{ config: Config; stop(): void }> {
  const name = config.http.tokensSecret;
  if (!name) return { config, stop: () => undefined };
  if (state.kind !== "kubernetes") throw new Error("--tokens-secret needs --state kubernetes");
  const { objects } = state as KubernetesStateBackend;
  const { mirrorTokensSecret } = await import("./state/tokens-secret.js");
  const mirror = await mirrorTokensSecret({ objects, name, file: join(config.stateDir, "tokens-from-secret.yaml"), onProblem: (message) => log.warn(message) });
  return { config: Object.freeze({ ...config, http: Object.freeze({ ...config.http, tokensFile: mirror.file }) }), stop: mirror.stop };
}

/**
 * When the version probe starts. It spawns talosctl and omnictl (only to warn about a missing or
 * unsupported binary, and to warm discoverBinary's cache): started with the server, those two
 * processes took CPU from the client's handshake on a small machine (≈70 ms of a ≈650 ms start on
 * two cores; bench/README.md). A call before then discovers the binary itself, as it always could.
 */
const BINARY_PROBE_DELAY_MS = 1_000;

export async function runServe(initial: Config, log: Logger): Promise<number> {
  const stop = stopSignal();
  const probeCancelled = new AbortController();
  const binariesChecked = delay(BINARY_PROBE_DELAY_MS, undefined, { signal: probeCancelled.signal }).then(
    () => warnAboutBinaries(initial, log),
    () => undefined, // stopped before the probe was due
  );
  const { config: simulated, sim, release } = await withSimulation(initial, log);
  let tokens: Awaited<ReturnType<typeof withTokensSecret>> | undefined;
  let state: StateBackend | undefined;
  try {
    // A server killed mid-write (kill -9, OOM) leaves temp files; their final paths are intact.
    // Swept before this process writes anything: the sweep counts temps with our own pid as stale.
    const swept = await sweepStaleTemps([simulated.workspace, simulated.stateDir]);
    if (swept.length > 0) log.warn({ removed: swept }, "removed temp files left by a server that stopped while writing");
    state = await openStateBackend(simulated);
    tokens = await withTokensSecret(simulated, state, log);
    const config = tokens.config;
    const role = await credentialRole(config, log);
    const factory = createSessionServerFactory(config, { credentialRole: role, sim, state });
    if (config.transport === "stdio") {
      const { serveStdio } = await import("./transports/stdio.js");
      await serveStdio(factory, config.role, log, stop);
      return 0;
    }
    // Loaded only for HTTP: a stdio server never pays for the HTTP/SSE transports.
    const { startHttpServer } = await import("./transports/http.js");
    const http = await startHttpServer(config, factory, log);
    // Graceful shutdown: stop accepting, let running calls finish up to the grace period,
    // cancel the rest, flush the audit log.
    await stop;
    log.info("shutting down");
    await http.close();
    return 0;
  } finally {
    probeCancelled.abort();
    tokens?.stop();
    await state?.close();
    await binariesChecked;
    await release();
  }
}
