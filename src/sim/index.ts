// The simulated Talos cluster: real gRPC + TLS on loopback, driven by the unmodified talosctl.
// `talos-mcp sim up` runs it standalone; `talos-mcp serve --sim` runs it in-process.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { SimCluster, type SimNodeState } from "./cluster.js";
import { EventLog, type SimEvent } from "./events.js";
import { b64, generateCa, issueClientCert } from "./pki.js";
import { loadTalosApi } from "./protos.js";
import { configureNodes, CONTROL_PLANE_PORT } from "./provision.js";
import type { OmniSimInfo } from "./omni/index.js";
import type { OmniClusterState } from "./omni/model.js";
import { listScenarios, loadAnyScenario, loadScenario } from "./scenario.js";
import { onFreeBlock, portIsFree, relocate } from "./loopback.js";
import type { SimKubernetes } from "./kubernetes/index.js";
import { SimApi, TALOS_API_PORT } from "./server.js";

export type { SimEvent } from "./events.js";
export { listScenarios } from "./scenario.js";

export interface SimNodeInfo {
  name: string;
  address: string;
  role: "controlplane" | "worker";
}

/** What a simulation holds at a moment: Talos nodes, or (Omni scenarios) Omni's clusters. */
export interface SimState {
  nodes: SimNodeState[];
  clusters?: OmniClusterState[];
}

export interface SimHandle {
  /** os:admin talosconfig; `${talosconfig}.reader` holds an os:reader one. */
  talosconfig: string;
  endpoints: string[];
  nodes: SimNodeInfo[];
  scenario: string;
  eventsFile: string;
  events(): SimEvent[];
  /**
   * Calls `listener` with each event as the simulation records it (synchronously: a call's
   * api-call event comes after its handler ran, before its answer goes out); returns the
   * unsubscribe. For waiting on what the simulation saw instead of sleeping.
   */
  onEvent(listener: (event: SimEvent) => void): () => void;
  /** The simulation's state now (final state for a harness's checks). */
  state(): SimState;
  /** Resolves once no transition is scheduled (a reset's reboot, a join, Omni's readiness), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void>;
  /** Talos scenarios: the node model itself, for harness setup that puts nodes in a state first. */
  model?: SimCluster;
  stop(): Promise<void>;
  /** Omni scenarios: the simulated Omni (its URL, omniconfig, service-account keys, machines). */
  omni?: OmniSimInfo;
  /** Kubernetes scenarios: the real API server's admin kubeconfig and the cluster's Kubernetes version. */
  kubernetes?: { kubeconfig: string; kubernetesVersion: string; apiServerVersion: string };
}

/** Polls until nothing is pending or the time is up (the transitions are timers of a few hundred ms). */
export async function untilNoPending(pending: () => number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pending() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Starts a Talos scenario (simulated nodes) or an Omni scenario (a simulated Omni). */
export async function startAnySimulation(options: { scenario: string; dir: string }): Promise<SimHandle> {
  const loaded = loadAnyScenario(options.scenario);
  if (loaded.kind === "talos") return startSimulation(options);
  // Loaded on demand: OpenPGP and the Omni API are only needed for Omni scenarios.
  const { startOmniSimulation } = await import("./omni/index.js");
  return startOmniSimulation({ scenario: loaded.scenario, dir: options.dir });
}

/**
 * Starts the scenario's nodes on a free loopback block (see loopback.ts): the scenario's addresses
 * keep their last octet and move to a /24 nobody else uses, so simulations run side by side.
 */
export async function startSimulation(options: { scenario: string; dir: string }): Promise<SimHandle> {
  const loaded = loadScenario(options.scenario);
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const eventsFile = join(dir, "events.jsonl");
  // Per-run PKI for the talosconfig; pre-configured scenarios use it as their machine CA, and the
  // second as their Kubernetes CA (cluster.ca; a Kubernetes scenario's API server uses it too).
  const [ca, kubernetesCa] = await Promise.all([generateCa(), generateCa("kubernetes", "ECDSA-P256")]);
  const admin = await issueClientCert(ca, ["os:admin"]);
  const talosApi = loadTalosApi();

  const { scenario, cluster, api } = await onFreeBlock({ lastOctets: loaded.nodes.map((n) => n.address.split(".")[3]!), port: TALOS_API_PORT }, async (block) => {
    const scenario = { ...loaded, nodes: loaded.nodes.map((n) => ({ ...n, address: relocate(n.address, block) })) };
    await writeFile(eventsFile, "", { mode: 0o600 });
    const cluster = new SimCluster(scenario, new EventLog(eventsFile));
    const api = new SimApi(cluster, talosApi);
    // The Kubernetes API listens on the first control plane's address: its port must be free too.
    const apiEndpoint = scenario.nodes.find((n) => n.role === "controlplane")!.address;
    if (scenario.kubernetes && !(await portIsFree(apiEndpoint, CONTROL_PLANE_PORT))) throw Object.assign(new Error(`${apiEndpoint}:${CONTROL_PLANE_PORT} is in use`), { code: "EADDRINUSE" });
    if (scenario.stage !== "maintenance") {
      configureNodes(cluster, scenario, ca, kubernetesCa);
    } else {
      for (const node of cluster.nodes) cluster.kernelLog(node, "booted in maintenance mode: waiting for a machine config (talosctl apply-config --insecure)");
    }
    try {
      await api.startAll();
    } catch (error) {
      cluster.stopTimers();
      await api.stopAll();
      throw error;
    }
    return { scenario, cluster, api };
  });
  const controlPlanes = scenario.nodes.filter((n) => n.role === "controlplane").map((n) => n.address);

  // An os:admin talosconfig, and an os:reader one for harnesses that evaluate read-only agents.
  const talosconfig = join(dir, "talosconfig");
  const context = `${scenario.clusterName}-sim`;
  const reader = await issueClientCert(ca, ["os:reader"]);
  for (const [file, cert] of [[talosconfig, admin], [`${talosconfig}.reader`, reader]] as const) {
    await writeFile(file, stringify({ context, contexts: { [context]: { endpoints: controlPlanes, ca: b64(ca.certPem), crt: b64(cert.certPem), key: b64(cert.keyPem) } } }), { mode: 0o600 });
  }
  cluster.record({ node: "-", kind: "state-change", detail: { started: scenario.name, stage: scenario.stage } });
  let kubernetes: SimKubernetes | undefined;
  if (scenario.kubernetes) {
    // Loaded on demand: scenarios without Kubernetes never load the API server's pieces.
    const { startKubernetes } = await import("./kubernetes/index.js");
    try {
      kubernetes = await startKubernetes({ cluster, dir, ca: kubernetesCa });
    } catch (error) {
      cluster.stopTimers();
      await api.stopAll();
      throw error;
    }
  }

  return {
    talosconfig,
    endpoints: controlPlanes,
    nodes: scenario.nodes.map((n) => ({ name: n.name, address: n.address, role: n.role })),
    scenario: scenario.name,
    eventsFile,
    events: () => [...cluster.events],
    onEvent: (listener) => cluster.onEvent(listener),
    state: () => ({ nodes: cluster.describe() }),
    settled: (timeoutMs) => untilNoPending(() => cluster.pendingTransitions, timeoutMs),
    model: cluster,
    ...(kubernetes ? { kubernetes: { kubeconfig: kubernetes.kubeconfig, kubernetesVersion: kubernetes.kubernetesVersion, apiServerVersion: kubernetes.apiServerVersion } } : {}),
    async stop() {
      cluster.stopTimers();
      await kubernetes?.stop();
      await api.stopAll();
    },
  };
}

const HELP = `Usage:
  talos-mcp sim up --scenario NAME|FILE --dir DIR   start simulated nodes (or, for omni-* scenarios, a simulated Omni);
                                                     prints one JSON line (Kubernetes scenarios: also kubeconfig,
                                                     kubernetesVersion); runs until SIGINT/SIGTERM
  talos-mcp sim events --dir DIR [--json]           what the simulated nodes saw (API calls, state changes)
  talos-mcp sim scenarios                            list the built-in scenarios
`;

export async function runSimCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const fail = (message: string) => (process.stderr.write(`talos-mcp sim: ${message}\n`), 2);
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { scenario: { type: "string" }, dir: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } }, strict: true }));
  } catch (error) {
    return fail(`${(error as Error).message} (see talos-mcp sim --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === "scenarios") {
    for (const name of listScenarios()) {
      const { scenario } = loadAnyScenario(name);
      process.stdout.write(`${name.padEnd(18)}${scenario.description}\n`);
    }
    return 0;
  }
  if (command === "events") {
    if (typeof values.dir !== "string") return fail("--dir is required");
    const lines = (await readFile(join(values.dir, "events.jsonl"), "utf8").catch(() => "")).split("\n").filter(Boolean);
    const events = lines.map((line) => JSON.parse(line) as SimEvent);
    process.stdout.write(values.json ? `${JSON.stringify(events, null, 2)}\n` : events.map((e) => `${e.time} ${e.node} ${e.kind} ${e.method ?? ""} ${e.code ?? ""} ${e.detail ? JSON.stringify(e.detail) : ""}`).join("\n") + "\n");
    return 0;
  }
  if (command === "up") {
    if (typeof values.scenario !== "string") return fail("--scenario is required (see talos-mcp sim scenarios)");
    if (typeof values.dir !== "string") return fail("--dir is required (the talosconfig and event log go there)");
    const handle = await startAnySimulation({ scenario: values.scenario, dir: values.dir });
    const common = { talosconfig: handle.talosconfig, endpoints: handle.endpoints, scenario: handle.scenario, eventsFile: handle.eventsFile };
    const omni = handle.omni;
    const line = omni
      ? { ...common, omniconfig: omni.omniconfig, url: omni.url, caFile: omni.caFile, serviceAccountKeyFile: omni.serviceAccountKeyFile, readerServiceAccountKeyFile: omni.readerServiceAccountKeyFile, machines: omni.machines, clusters: omni.clusters, env: omni.env }
      : { ...common, nodes: handle.nodes, ...handle.kubernetes };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    await new Promise<void>((resolveStop) => {
      process.once("SIGINT", () => resolveStop());
      process.once("SIGTERM", () => resolveStop());
    });
    await handle.stop();
    return 0;
  }
  return fail(`unknown command '${command}' (see talos-mcp sim --help)`);
}
