// A task's state changes before the agent starts: clusters made through the tools themselves
// (consent granted, audited to setup-audit.jsonl, never to the agent's audit log), nodes put in
// a state on the model (etcd data lost), files in the workspace, an extra talosconfig context.
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Client, type CallToolResult } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { parse as parseYaml, stringify } from "yaml";
import { createAuditLog } from "../audit/audit.js";
import type { Config } from "../config-types.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { createSessionServerFactory } from "../server/create-server.js";
import type { SimHandle } from "../sim/index.js";
import { installFacts } from "../sim/server.js";
import { clusterPaths } from "../talos/cluster-files.js";
import { ClusterStateStore } from "../talos/cluster-state.js";
import type { SetupAction } from "./definition.js";
import { fillPlaceholders } from "./placeholders.js";
import { runPaths } from "./run-dir.js";

class SetupError extends Error {
  override name = "SetupError";
}

export interface SetupContext {
  sim: SimHandle;
  /** The server's configuration for this run (pointed at the simulation). */
  config: Config;
  dir: string;
  vars: Record<string, string>;
}

type Call = (tool: string, args: Record<string, unknown>) => Promise<CallToolResult>;

/** A session of the run's own server (consent granted: this is the harness, not the agent). */
async function setupSession(context: SetupContext): Promise<{ call: Call; close(): Promise<void> }> {
  const audit = createAuditLog({ file: runPaths(context.dir).setupAudit });
  const factory = createSessionServerFactory(Object.freeze({ ...context.config, consent: "auto" as const }), { credentialRole: "admin", audit, sim: context.sim });
  const server = factory.create({ transport: "memory", name: "eval-setup", role: "admin" }, "legacy");
  const client = new Client({ name: "talos-mcp-eval-setup", version: "1" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const call: Call = async (tool, args) => {
    const result = await client.callTool({ name: tool, arguments: args }, { timeout: 120_000 });
    if (result.isError) {
      const text = result.content.map((item) => ("text" in item ? item.text : "")).join("\n");
      throw new SetupError(`setup call ${tool} failed: ${text}`);
    }
    return result;
  };
  return { call, close: async () => (await client.close(), await audit.close()) };
}

function nodeOf(context: SetupContext, name: string) {
  const node = context.sim.model?.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new SetupError(`setup: no simulated Talos node named '${name}' in scenario ${context.sim.scenario}`);
  return node;
}

/**
 * A cluster in the workspace, running: its configs and secrets come from gen-config (the tool);
 * the nodes then install those configs and the first control plane bootstraps etcd on the model,
 * as an apply in maintenance mode and a bootstrap would make them, and the server's record of the
 * cluster (control-plane endpoints, the bootstrap in its ledger) is written as apply and
 * bootstrap write it. The agent meets the cluster a person made with the tools.
 */
async function createCluster(call: Call, context: SetupContext, spec: Extract<SetupAction, { createCluster: unknown }>["createCluster"]): Promise<void> {
  const model = context.sim.model;
  if (!model) throw new SetupError(`setup: createCluster needs a Talos scenario, not ${context.sim.scenario}`);
  const [first] = spec.controlPlanes;
  await call("gen-config", { cluster: spec.name, endpoint: `https://${nodeOf(context, first!).address}:6443` });
  const paths = clusterPaths(join(context.config.workspace, spec.name));
  const ledger = new ClusterStateStore(join(paths.dir, "cluster-state.json"));
  const at = new Date().toISOString();
  for (const [names, file] of [[spec.controlPlanes, paths.controlplane], [spec.workers, paths.worker]] as const) {
    const config = await readFile(file, "utf8");
    for (const name of names) {
      const node = nodeOf(context, name);
      if (node.stage !== "maintenance") throw new SetupError(`setup: createCluster needs ${name} in maintenance mode (it is ${node.stage})`);
      const facts = await installFacts(config, model.scenario.extensions);
      await model.install(node, facts);
      await ledger.update((state) => void (state.nodes[node.address] = { role: facts.role, appliedAt: at }));
    }
  }
  if (!spec.bootstrap) return;
  const bootstrapNode = nodeOf(context, first!);
  model.bootstrap(bootstrapNode);
  await ledger.update((state) => void state.bootstraps.push({ node: bootstrapNode.address, at, outcome: "bootstrapped" }));
  await context.sim.settled(30_000);
  model.settleWorkers();
}

/** The control planes lose their etcd data: etcd waits to be bootstrapped (or recovered). */
function wipeEtcd(context: SetupContext, names: string[]): void {
  const cluster = context.sim.model!;
  for (const name of names) {
    const node = nodeOf(context, name);
    if (node.role !== "controlplane") throw new SetupError(`setup: wipeEtcd needs control planes; ${name} is a ${node.role ?? "maintenance node"}`);
    Object.assign(node, { etcd: "waiting", etcdCluster: undefined, etcdMemberId: undefined, stage: "installed" });
    cluster.kernelLog(node, "etcd data directory is empty: waiting to join or to be bootstrapped");
    cluster.changeState(node, { etcd: "waiting", etcdDataWiped: true });
  }
}

/** Nodes that were upgraded before the task: they run `version` now. */
function upgradeOnModel(context: SetupContext, names: string[], version: string): void {
  for (const name of names) {
    const node = nodeOf(context, name);
    context.sim.model!.changeState(node, { upgraded: true, from: node.talosVersion, to: version });
    node.talosVersion = version;
  }
}

async function addContext(context: SetupContext, name: string): Promise<void> {
  const file = context.sim.talosconfig;
  const config = parseYaml(await readFile(file, "utf8")) as { context: string; contexts: Record<string, unknown> };
  config.contexts[name] = config.contexts[config.context];
  await writeFileAtomic(file, stringify(config));
}

export async function applySetup(actions: readonly SetupAction[], context: SetupContext): Promise<void> {
  if (actions.length === 0) return;
  const session = await setupSession(context);
  const workspaceFile = (path: string) => join(context.config.workspace, path);
  try {
    for (const raw of actions) {
      const action = fillPlaceholders(raw, { vars: context.vars });
      if ("createCluster" in action) await createCluster(session.call, context, action.createCluster);
      else if ("call" in action) await session.call(action.call.tool, action.call.args);
      else if ("wipeEtcd" in action) wipeEtcd(context, action.wipeEtcd);
      else if ("talosVersion" in action) upgradeOnModel(context, action.talosVersion.nodes, action.talosVersion.version);
      else if ("snapshot" in action) await writeFileAtomic(workspaceFile(action.snapshot.to), context.sim.model!.snapshotOf(nodeOf(context, action.snapshot.node)));
      else if ("file" in action) await writeFileAtomic(workspaceFile(action.file.path), action.file.content);
      else if ("linkOutside" in action) {
        const outside = join(runPaths(context.dir).outside, action.linkOutside.path);
        for (const [name, content] of Object.entries(action.linkOutside.files)) {
          await mkdir(dirname(join(outside, name)), { recursive: true, mode: 0o700 });
          await writeFile(join(outside, name), content, { mode: 0o600 });
        }
        await mkdir(dirname(workspaceFile(action.linkOutside.path)), { recursive: true, mode: 0o700 });
        await symlink(outside, workspaceFile(action.linkOutside.path));
      } else await addContext(context, action.context.name);
    }
  } finally {
    await session.close();
  }
}
