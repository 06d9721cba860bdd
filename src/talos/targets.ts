// Which cluster a live tool talks to. The model picks a *name* — a cluster generated in the
// workspace, or an allowlisted context of the server's talosconfig — never a talosconfig path, an
// endpoint or a CLI flag (rule argv-guard). Workspace clusters use their own talosconfig, with
// endpoints set by the server from the control-plane nodes it applied configs to.
import { access } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { readTalosconfig, resolveTalosconfigPath, type TalosContextInfo } from "../backends/talosconfig.js";
import { PolicyDenied, ToolError } from "../server/errors.js";
import { clusterName, nodeAddressItem } from "../server/schemas.js";
import { omniEnvFor } from "../omni/run.js";
import type { CliTarget, ToolContext } from "../server/tool-spec.js";
import { clusterPaths } from "./cluster-files.js";
import type { ClusterLedger } from "./cluster-state.js";

export const contextName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, "must be a talosconfig context name (letters, digits, '_', '.', '@', '-')");

/**
 * Fields every live tool takes to choose its cluster. No description per tool (17 tools take
 * them): the server instructions say once what they are, and a wrong one gets an error naming the
 * fix (run gen-config first, or the contexts the server allows).
 */
export const targetFields = {
  cluster: clusterName.optional(),
  context: contextName.optional(),
};

export const nodeList = (max: number) =>
  z
    .array(nodeAddressItem)
    .min(1, "name at least one node: no default targets are used")
    .max(max, `at most ${max} node(s) per call`)
    .refine((nodes) => new Set(nodes).size === nodes.length, "nodes must not repeat")
    .describe(max === 1 ? "The one node (IP or hostname)." : "Nodes (IPs or hostnames).");

export interface LiveTarget {
  /** Stable id for the ledger: workspace:<name> or context:<name>. */
  id: string;
  /** Flags the runner adds (talosconfig, context, endpoints); nodes are per call. */
  cli: CliTarget;
  state: ClusterLedger;
  /** The talosconfig context in use (for the Omni guard). */
  context: TalosContextInfo;
}

const exists = (path: string) => access(path).then(() => true, () => false);

export async function resolveTarget(input: { cluster?: string; context?: string }, ctx: ToolContext): Promise<LiveTarget> {
  if (input.cluster && input.context) {
    throw new ToolError("give either cluster or context, not both", { field: "context", next: "use cluster for a workspace cluster, context for the server's talosconfig" });
  }
  if (input.cluster) return workspaceTarget(input.cluster, ctx);
  return contextTarget(input.context, ctx);
}

async function workspaceTarget(cluster: string, ctx: ToolContext): Promise<LiveTarget> {
  const paths = clusterPaths(await ctx.workspace.resolve(cluster, "cluster"));
  if (!(await exists(paths.talosconfig))) {
    throw new ToolError(`cluster '${cluster}' has no talosconfig in the workspace`, { field: "cluster", next: "run gen-config for it first" });
  }
  const info = await readTalosconfig(paths.talosconfig);
  const context = info.contexts.find((candidate) => candidate.name === (info.current ?? cluster)) ?? info.contexts[0];
  if (!context) throw new ToolError(`the talosconfig of cluster '${cluster}' has no context`, { field: "cluster" });
  const id = `workspace:${cluster}`;
  const state = ctx.state.ledger(id, join(paths.dir, "cluster-state.json"));
  // An Omni-issued talosconfig (omni-talosconfig) carries its endpoint, the Omni URL.
  if (context.auth === "siderov1") return { id, cli: { talosconfig: paths.talosconfig, context: context.name, ...(await omniAuth(context, ctx)) }, state, context };
  const endpoints = await state.controlPlanes();
  return { id, cli: { talosconfig: paths.talosconfig, context: context.name, endpoints }, state, context };
}

async function contextTarget(requested: string | undefined, ctx: ToolContext): Promise<LiveTarget> {
  const path = resolveTalosconfigPath(ctx.config.talosconfig);
  if (!path || !(await exists(path))) {
    throw new ToolError("no talosconfig is configured for live tools", {
      field: "cluster",
      next: "pass cluster (a workspace cluster from gen-config), or start the server with --talosconfig",
    });
  }
  const info = await readTalosconfig(path);
  const current = ctx.config.context ?? info.current;
  const name = requested ?? current;
  const allowed = new Set([current, ...(ctx.config.allowedContexts ?? [])].filter(Boolean));
  if (!name || !allowed.has(name)) {
    throw new PolicyDenied("argv-guard", `context '${name ?? "(none)"}' is not allowed for this server`, `use one of: ${[...allowed].join(", ") || "(none configured)"}`);
  }
  const context = info.contexts.find((candidate) => candidate.name === name);
  if (!context) throw new ToolError(`the talosconfig has no context '${name}'`, { field: "context" });
  const key = createHash("sha256").update(`${path}\0${name}`).digest("hex").slice(0, 16);
  const id = `context:${name}`;
  const state = ctx.state.ledger(id, join(ctx.config.stateDir, "clusters", `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${key}.json`));
  return { id, cli: { talosconfig: path, context: name, ...(await omniAuth(context, ctx)) }, state, context };
}

/**
 * SideroV1 (Omni-issued) contexts authenticate with the Omni service-account key. Without a usable
 * one the target carries the refusal, so reads fail at once while writes still meet omni-reconcile
 * first.
 */
async function omniAuth(context: TalosContextInfo, ctx: ToolContext): Promise<Pick<CliTarget, "auth">> {
  if (context.auth !== "siderov1") return {};
  try {
    const env = await omniEnvFor(ctx);
    return { auth: { env: { OMNI_SERVICE_ACCOUNT_KEY: env.OMNI_SERVICE_ACCOUNT_KEY!, ...(env.SSL_CERT_FILE ? { SSL_CERT_FILE: env.SSL_CERT_FILE } : {}) } } };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { auth: { refused: new ToolError(`The talosconfig context ${context.name} signs in through Omni (SideroV1). ${error.message}`, error.details) } };
  }
}

/** For calls that must reach the cluster through endpoints (everything but maintenance mode). */
export function requireEndpoints(target: LiveTarget): void {
  if (target.cli.endpoints && target.cli.endpoints.length === 0) {
    throw new ToolError(`cluster '${target.id.replace(/^workspace:/, "")}' has no control-plane node yet`, {
      field: "cluster",
      next: "apply its controlplane config to a node first (apply with insecure: true in maintenance mode); those nodes become the endpoints",
    });
  }
}
