// Live facts the rules need before a mutation runs: a node's machine type and Talos version, the
// etcd service on every control-plane machine (bootstrap-once), etcd membership (quorum), and
// whether Omni manages the cluster (omni-reconcile). Nodes are resolved to machine identities
// first (identity.ts): the rules count machines, not the strings a call used for them. Every check
// reads through the guarded CLI runner, so it is audited like any other call, and a node that
// cannot be checked blocks the mutation rather than being assumed safe.
import { PolicyDenied, ToolError } from "../server/errors.js";
import type { ToolContext } from "../server/tool-spec.js";
import { omniMachineList } from "../omni/machines.js";
import { omniManagedReason } from "../omni/managed.js";
import { describeMachine, describeTarget, groupMachines, identitiesFromResources, machineAliases, type MachineIdentity } from "./identity.js";
import { parseJsonStream, parseNodeErrors, parseServiceInfo, parseTable } from "./outputs.js";
import { requireEndpoints, resolveTarget, type LiveTarget } from "./targets.js";

type Resource = { node?: string; metadata?: { id?: string; type?: string }; spec?: unknown };

/** Identity lookups of nodes that do not answer must not hold a preflight for minutes. */
const IDENTITY_TIMEOUT_MS = 20_000;

async function getResources(ctx: ToolContext, target: LiveTarget, type: string, nodes: string[], timeoutMs?: number): Promise<{ items: Resource[]; errors: { node: string; message: string }[] }> {
  const result = await ctx.cli.run("talosctl", ["get", type, "--output", "json"], { target: { ...target.cli, nodes }, timeoutMs });
  const errors = parseNodeErrors(result.stderr);
  if (result.exitCode !== 0 && errors.length === 0) {
    throw new ToolError(`could not read ${type} from ${nodes.join(", ")}`, { cliMessage: result.stderr.trim().split("\n").slice(-5).join("\n") });
  }
  return { items: parseJsonStream(result.stdout, `talosctl get ${type}`) as Resource[], errors };
}

export async function machineType(ctx: ToolContext, target: LiveTarget, node: string): Promise<string> {
  const { items, errors } = await getResources(ctx, target, "machinetype", [node]);
  const spec = items[0]?.spec;
  if (typeof spec !== "string") throw new ToolError(`cannot read the machine type of ${node}: ${errors[0]?.message ?? "no answer"}`, { next: "check that the node is reachable (health, version)" });
  return spec;
}

/**
 * Each name resolved to the machine that answers to it, through the Talos API: hostname, every
 * node address, the cluster identity and the SMBIOS UUID. A name that does not answer keeps only
 * itself (it is then compared as what it is: an address, a hostname or a UUID).
 */
export async function resolveIdentities(ctx: ToolContext, target: LiveTarget, names: string[]): Promise<Map<string, MachineIdentity>> {
  const read = (type: string) => getResources(ctx, target, type, names, IDENTITY_TIMEOUT_MS).then(({ items }) => items, () => [] as Resource[]);
  const [hostnames, nodeAddresses, identities, systemInformation] = await Promise.all([
    read("HostnameStatuses.net.talos.dev"),
    read("NodeAddresses.net.talos.dev"),
    read("Identities.cluster.talos.dev"),
    read("SystemInformations.hardware.talos.dev"),
  ]);
  return identitiesFromResources(names, { hostnames, nodeAddresses, identities, systemInformation });
}

/**
 * The cluster's control-plane machines — those the server applied configs to, those discovery
 * lists (with the node id, hostname and addresses discovery knows) and `node` itself — each with
 * every name it is known by; `self` is the machine `node` denotes.
 */
export async function controlPlaneMachines(ctx: ToolContext, target: LiveTarget, node: string): Promise<{ self: MachineIdentity; machines: MachineIdentity[] }> {
  const names = new Set(await target.state.controlPlanes());
  const discovered: MachineIdentity[] = [];
  const { items } = await getResources(ctx, target, "members", [node]).catch(() => ({ items: [] as Resource[] }));
  for (const item of items) {
    const spec = item.spec as { machineType?: string; addresses?: string[]; hostname?: string; nodeId?: string } | undefined;
    if (spec?.machineType !== "controlplane" && spec?.machineType !== "init") continue;
    const address = spec.addresses?.[0];
    if (address) names.add(address);
    discovered.push({ names: address ? [address] : [], hostname: spec.hostname || undefined, addresses: spec.addresses ?? [], nodeId: spec.nodeId || undefined });
  }
  names.add(node);
  const resolved = await resolveIdentities(ctx, target, [...names]);
  const machines = groupMachines([...resolved.values(), ...discovered]).filter((machine) => machine.names.length > 0);
  return { self: machines.find((machine) => machine.names.includes(node))!, machines };
}

export interface EtcdEvidence {
  node: string;
  state?: string;
  health?: string;
  error?: string;
}

/** `talosctl service etcd` on each node; unreachable nodes come back with `error`. */
async function etcdServiceEvidence(ctx: ToolContext, target: LiveTarget, nodes: string[]): Promise<EtcdEvidence[]> {
  const result = await ctx.cli.run("talosctl", ["service", "etcd"], { target: { ...target.cli, nodes } });
  const services = parseServiceInfo(result.stdout);
  const errors = parseNodeErrors(result.stderr);
  return nodes.map((node) => {
    const service = services.find((candidate) => candidate.node === node) ?? (nodes.length === 1 ? services[0] : undefined);
    if (service) return { node, state: service.state, health: service.health };
    const error = errors.find((candidate) => candidate.node === node)?.message ?? (result.stderr.trim().split("\n").pop() || "no answer");
    return { node, error };
  });
}

export function etcdIsUp(evidence: EtcdEvidence): boolean {
  return evidence.state === "Running" || evidence.health === "OK";
}

/** etcd on each machine, asked under every name it is known by: up when any answer says so. */
export async function machineEtcdEvidence(ctx: ToolContext, target: LiveTarget, machines: MachineIdentity[]): Promise<{ machine: MachineIdentity; up: boolean; answers: EtcdEvidence[] }[]> {
  const evidence = await etcdServiceEvidence(ctx, target, machines.flatMap((machine) => machine.names));
  return machines.map((machine) => {
    const answers = evidence.filter((item) => machine.names.includes(item.node));
    return { machine, up: answers.some(etcdIsUp), answers };
  });
}

/**
 * Denies unless Omni does not manage the cluster (rule omni-reconcile): the talosconfig context is
 * checked first; when an Omni is configured, its machine list is asked whether it holds the nodes
 * of the context or of this write. If that list cannot be read the write is refused too: the server
 * cannot tell, and a wrong guess bypasses Omni. Without a target (maintenance-mode applies, which use
 * no talosconfig) only the machine list is asked.
 */
export async function assertNotOmniManaged(ctx: ToolContext, target: LiveTarget | undefined, nodes: string[]): Promise<void> {
  const facts = target
    ? { auth: target.context.auth, endpoints: target.context.endpoints, omni: target.context.omni, nodes: [...(target.context.nodes ?? []), ...nodes] }
    : { auth: "", endpoints: [], omni: false, nodes };
  const route = "change the cluster template (template-validate), then apply it with template-sync";
  let reason = omniManagedReason(facts);
  if (!reason) {
    const lookup = await omniMachineList(ctx);
    if (lookup && "unavailable" in lookup) {
      throw new PolicyDenied(
        "omni-reconcile",
        `an Omni is configured but its machine list could not be read (${lookup.unavailable}), so it is unknown whether Omni manages ${nodes.join(", ")}`,
        "check the Omni connection with omni-get (type machines); if this cluster is not Omni's, start talos-mcp without the Omni settings",
      );
    }
    reason = lookup ? omniManagedReason(facts, lookup.machines) : undefined;
    // Named otherwise than Omni lists it (a second address, a hostname): ask the nodes who they are.
    if (lookup && !reason && target) {
      const identities = await resolveIdentities(ctx, target, nodes);
      reason = omniManagedReason({ ...facts, nodes: [...identities.values()].flatMap(machineAliases) }, lookup.machines);
    }
  }
  if (reason) throw new PolicyDenied("omni-reconcile", `this cluster is managed by Omni (${reason}); a talosctl change would be reverted by Omni or bypass its reconciliation`, route);
}

export interface EtcdMember {
  id: string;
  hostname: string;
  learner: boolean;
}

/** `talosctl etcd members` from one node. */
export async function etcdMembers(ctx: ToolContext, target: LiveTarget, via: string): Promise<EtcdMember[]> {
  const result = await ctx.cli.run("talosctl", ["etcd", "members"], { target: { ...target.cli, nodes: [via] } });
  if (result.exitCode !== 0) throw new ToolError(`cannot list etcd members through ${via}`, { cliMessage: result.stderr.trim().split("\n").slice(-3).join("\n") });
  return parseTable(result.stdout, { what: "talosctl etcd members", columns: ["ID", "HOSTNAME"] }).map((row) => ({ id: row.ID ?? "", hostname: row.HOSTNAME ?? "", learner: row.LEARNER === "true" }));
}

/**
 * Denies taking `node` down when the remaining healthy etcd members would not be a majority
 * (rule quorum). Members are counted as machines: the node is never one of the "others", whatever
 * name the call used for it. Workers never affect quorum.
 */
export async function assertQuorumSurvives(ctx: ToolContext, target: LiveTarget, node: string, action: string): Promise<void> {
  if ((await machineType(ctx, target, node)) === "worker") return;
  const { self, machines } = await controlPlaneMachines(ctx, target, node);
  const others = (await machineEtcdEvidence(ctx, target, machines)).filter((item) => item.machine !== self);
  const members = await etcdMembers(ctx, target, node).catch(() => undefined);
  const voting = members ? members.filter((member) => !member.learner).length : machines.length;
  const healthyOthers = others.filter((item) => item.up).length;
  const needed = Math.floor(voting / 2) + 1;
  if (healthyOthers < needed) {
    const down = others.filter((item) => !item.up).map(({ machine, answers }) => `${describeMachine(machine)} (${answers.map((a) => a.error ?? a.state ?? "unknown").find(Boolean) ?? "unknown"})`);
    throw new PolicyDenied(
      "quorum",
      `${action} ${describeTarget(node, self)} would leave ${healthyOthers} healthy etcd member(s) of ${voting}; quorum needs ${needed}${down.length ? `; not healthy: ${down.join(", ")}` : ""}`,
      "restore the unhealthy control-plane nodes first (etcd-status, health), then act on one node at a time",
    );
  }
}

/** The Talos version a node runs (`talosctl version`, server tag). */
export async function nodeTalosVersion(ctx: ToolContext, target: LiveTarget, node: string): Promise<string> {
  const result = await ctx.cli.run("talosctl", ["version", "--short"], { target: { ...target.cli, nodes: [node] } });
  const server = result.stdout.split(/\n(?=Server:)/)[1] ?? "";
  const tag = /Tag:\s+(v\d+\.\d+\.\d+\S*)/.exec(server)?.[1];
  if (!tag) throw new ToolError(`cannot read the Talos version of ${node}`, { cliMessage: result.stderr.trim().split("\n").slice(-3).join("\n") });
  return tag;
}

/** Talos upgrades move at most one minor version per step (rule one-minor-step). */
export function assertOneMinorStep(from: string, to: string): void {
  const parse = (v: string) => /^v?(\d+)\.(\d+)\./.exec(v)?.slice(1).map(Number) as [number, number] | undefined;
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) throw new ToolError(`cannot compare Talos versions ${from} and ${to}`, { field: "image" });
  if (a[0] !== b[0] || Math.abs(b[1] - a[1]) > 1) {
    throw new PolicyDenied(
      "one-minor-step",
      `${from} → ${to} skips minor versions`,
      `upgrade one minor version at a time: first to the latest v${a[0]}.${a[1] + (b[1] > a[1] ? 1 : -1)}.x, check health, then continue`,
    );
  }
}

/**
 * The preflight of every call that takes one node down (reboot, reset, upgrade): not on an
 * Omni-managed cluster, endpoints known, and etcd keeps its quorum without the node.
 */
export async function preflightTakingNodeDown(args: { cluster?: string; context?: string; nodes: string[] }, ctx: ToolContext, action: string): Promise<LiveTarget> {
  const target = await resolveTarget(args, ctx);
  await assertNotOmniManaged(ctx, target, args.nodes);
  requireEndpoints(target);
  await assertQuorumSurvives(ctx, target, args.nodes[0]!, action);
  return target;
}
