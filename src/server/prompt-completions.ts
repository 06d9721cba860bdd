// Values the prompts can offer for `context` and `node` arguments: the allowlisted contexts of the
// server's talosconfig, and the nodes the server applied configs to in a workspace cluster.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config-types.js";
import { readTalosconfig, resolveTalosconfigPath } from "../backends/talosconfig.js";
import type { PromptCompletions } from "../../prompts/index.js";

export function promptCompletions(config: Pick<Config, "talosconfig" | "context" | "allowedContexts" | "workspace">): PromptCompletions {
  return {
    async contexts(prefix) {
      const path = resolveTalosconfigPath(config.talosconfig);
      if (!path) return [];
      const info = await readTalosconfig(path);
      const allowed = new Set([config.context ?? info.current, ...(config.allowedContexts ?? [])]);
      return info.contexts.map((c) => c.name).filter((name) => allowed.has(name) && name.startsWith(prefix));
    },
    async nodes(prefix, cluster) {
      if (!cluster || !/^[a-z0-9-]+$/.test(cluster)) return [];
      const state = JSON.parse(await readFile(join(config.workspace, cluster, "cluster-state.json"), "utf8")) as { nodes?: Record<string, unknown> };
      return Object.keys(state.nodes ?? {}).filter((node) => node.startsWith(prefix));
    },
  };
}
