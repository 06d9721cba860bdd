// `omnictl cluster template diff` prints one unified diff per resource, headed by
// `--- Type(namespace/id)` / `+++ Type(namespace/id)` with `/dev/null` on the missing side
// (client/pkg/template/operations/internal/utils). From those headers we know what a sync would
// create, update and tear down; tearing down a cluster, a machine set or a machine's membership
// loses nodes or data, which makes the sync destructive.
import { stripAnsi } from "../talos/outputs.js";

export interface OmniResourceRef {
  type: string;
  namespace: string;
  id: string;
}

export interface TemplateDiff {
  creates: OmniResourceRef[];
  updates: OmniResourceRef[];
  teardowns: OmniResourceRef[];
}

const DESTRUCTIVE_TEARDOWN_TYPES = new Set(["Clusters.omni.sidero.dev", "MachineSets.omni.sidero.dev", "MachineSetNodes.omni.sidero.dev"]);

const NO_RESOURCE = "/dev/null";

// A removed YAML line can itself start with "--", so only well-formed headers count.
function parseRef(path: string): OmniResourceRef | undefined {
  const match = /^(\S+)\(([^/()]*)\/([^()]*)\)$/.exec(path);
  return match ? { type: match[1]!, namespace: match[2]!, id: match[3]! } : undefined;
}

export function parseTemplateDiff(stdout: string): TemplateDiff {
  const result: TemplateDiff = { creates: [], updates: [], teardowns: [] };
  const lines = stripAnsi(stdout).split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const from = /^--- (.+)$/.exec(lines[i]!);
    const to = from && /^\+\+\+ (.+)$/.exec(lines[i + 1]!);
    if (!from || !to) continue;
    const oldRef = parseRef(from[1]!);
    const newRef = parseRef(to[1]!);
    if ((!oldRef && from[1] !== NO_RESOURCE) || (!newRef && to[1] !== NO_RESOURCE) || (!oldRef && !newRef)) continue;
    if (oldRef && newRef) result.updates.push(newRef);
    else if (newRef) result.creates.push(newRef);
    else if (oldRef) result.teardowns.push(oldRef);
    i++;
  }
  return result;
}

export interface SyncAction {
  action: "creating" | "updating" | "tearing down" | "destroyed";
  resource: string;
}

/** What `omnictl cluster template sync` reports doing: `* creating|updating|tearing down|destroyed Type(id)`. */
export function parseSyncActions(stdout: string): SyncAction[] {
  return stripAnsi(stdout)
    .split("\n")
    .map((line) => /^\* (creating|updating|tearing down|destroyed) (\S+)/.exec(line.trim()))
    .filter((match) => match !== null)
    .map((match) => ({ action: match[1] as SyncAction["action"], resource: match[2]! }));
}

export function destructiveTeardowns(diff: TemplateDiff): OmniResourceRef[] {
  return diff.teardowns.filter((ref) => DESTRUCTIVE_TEARDOWN_TYPES.has(ref.type));
}

export function describeRef(ref: OmniResourceRef): string {
  return `${ref.type.split(".")[0]}(${ref.id})`;
}

/**
 * What of a template diff an approval is bound to. omnictl prints the same change differently from
 * one run to the next: resources in map order, and those it would create stamped with the current
 * time. So: one block per resource (a `--- old` / `+++ new` header and its lines), without the
 * creation and update times and blank lines, in sorted order — any other difference still counts.
 */
export function boundDiff(stdout: string): string {
  const lines = stripAnsi(stdout).split("\n");
  const blocks: string[][] = [[]];
  lines.forEach((line, index) => {
    if (/^--- /.test(line) && /^\+\+\+ /.test(lines[index + 1] ?? "")) blocks.push([]);
    if (line.trim() && !/^[-+ ]\s*(created|updated): \S+$/.test(line)) blocks.at(-1)!.push(line);
  });
  return blocks
    .map((block) => block.join("\n"))
    .sort()
    .join("\n");
}
