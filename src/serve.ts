// `talos-mcp serve`: resolve the credential, optionally start the simulator, then serve.
import { mkdtemp } from "node:fs/promises";
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
import { roleFromTalosRoles, type Role } from "./server/roles.js";
import { startHttpServer } from "./transports/http.js";
import { serveStdio } from "./transports/stdio.js";
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

/** In --sim mode: start the simulated cluster in-process and point the server at it. */
async function withSimulation(config: Config, log: Logger): Promise<{ config: Config; sim?: SimHandle }> {
  if (!config.sim) return { config };
  const dir = await mkdtemp(join(tmpdir(), "talos-mcp-sim-"));
  // Loaded only in --sim mode: serving a real cluster never pays for the gRPC simulator.
  const { startAnySimulation } = await import("./sim/index.js");
  const sim = await startAnySimulation({ scenario: config.sim, dir });
  log.info({ scenario: sim.scenario, nodes: sim.nodes, talosconfig: sim.talosconfig, omni: sim.omni?.url }, sim.omni ? "simulated Omni started" : "simulated cluster started");
  const omni = sim.omni ? { omniconfig: sim.omni.omniconfig, omniServiceAccountKeyFile: sim.omni.serviceAccountKeyFile, omniCaFile: sim.omni.caFile } : {};
  return { config: Object.freeze({ ...config, talosconfig: sim.talosconfig, context: undefined, ...omni }), sim };
}

export async function runServe(initial: Config, log: Logger): Promise<number> {
  await warnAboutBinaries(initial, log);
  const { config, sim } = await withSimulation(initial, log);
  try {
    // A server killed mid-write (kill -9, OOM) leaves temp files; their final paths are intact.
    const swept = await sweepStaleTemps([config.workspace, config.stateDir]);
    if (swept.length > 0) log.warn({ removed: swept }, "removed temp files left by a server that stopped while writing");
    const role = await credentialRole(config, log);
    const factory = createSessionServerFactory(config, { credentialRole: role, sim });
    if (config.transport === "stdio") {
      await serveStdio(factory, config.role, log);
      return 0;
    }
    const http = await startHttpServer(config, factory, log);
    // Graceful shutdown: stop accepting, let running calls finish up to the grace period,
    // cancel the rest, flush the audit log.
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    log.info("shutting down");
    await http.close();
    return 0;
  } finally {
    await sim?.stop();
  }
}
