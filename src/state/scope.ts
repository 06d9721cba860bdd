// Which cluster a mutation changes, named like the ledger's target ids (src/talos/targets.ts), so
// that every mutation of one cluster takes the same lock whichever replica or name form it uses.
// Omni changes lock the whole Omni instance: a template names its cluster inside the file.
import { readTalosconfig, resolveTalosconfigPath } from "../backends/talosconfig.js";
import type { Config } from "../config-types.js";
import type { Toolset } from "../server/tool-spec.js";

export async function lockScope(toolset: Toolset, args: Record<string, unknown>, config: Pick<Config, "talosconfig" | "context">): Promise<string> {
  if (toolset === "omni") return "omni";
  if (typeof args.cluster === "string") return `workspace:${args.cluster}`;
  if (typeof args.context === "string") return `context:${args.context}`;
  // The default context, by name: a call that names it explicitly must meet the same lock.
  if (config.context) return `context:${config.context}`;
  const path = resolveTalosconfigPath(config.talosconfig);
  const current = path ? (await readTalosconfig(path).catch(() => undefined))?.current : undefined;
  return `context:${current ?? "(default)"}`;
}
