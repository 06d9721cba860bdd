// Every tool module, grouped by toolset (shared/DESIGN.md §3), as a loader. A tool is one file
// exporting a ToolSpec; adding one is a file plus a line here. The server imports a tool's module
// only when the tool is first called (src/server/tool-catalog.ts): tools/list is served from the
// manifest the build writes, so start-up does not build 30 tools' zod schemas.
import type { AnyToolSpec } from "../src/server/tool-spec.js";

export const TOOL_MODULES = {
  // talos: configuration and cluster lifecycle
  "gen-config": () => import("./gen-config.js"),
  "validate-config": () => import("./validate-config.js"),
  "patch-config": () => import("./patch-config.js"),
  "apply": () => import("./apply.js"),
  "bootstrap": () => import("./bootstrap.js"),
  "kubeconfig": () => import("./kubeconfig.js"),
  "health": () => import("./health.js"),
  "get": () => import("./get.js"),
  "logs": () => import("./logs.js"),
  "dmesg": () => import("./dmesg.js"),
  "services": () => import("./services.js"),
  "version": () => import("./version.js"),
  // etcd
  "etcd-status": () => import("./etcd-status.js"),
  "etcd-backup": () => import("./etcd-backup.js"),
  "etcd-restore": () => import("./etcd-restore.js"),
  // lifecycle
  "upgrade": () => import("./upgrade.js"),
  "upgrade-kubernetes": () => import("./upgrade-kubernetes.js"),
  "reboot": () => import("./reboot.js"),
  "reset": () => import("./reset.js"),
  // omni: cluster templates are the source of truth
  "template-validate": () => import("./template-validate.js"),
  "template-sync": () => import("./template-sync.js"),
  "template-status": () => import("./template-status.js"),
  "template-export": () => import("./template-export.js"),
  "omni-get": () => import("./omni-get.js"),
  "omni-kubeconfig": () => import("./omni-kubeconfig.js"),
  "omni-talosconfig": () => import("./omni-talosconfig.js"),
  // factory: custom images
  "image-schematic": () => import("./image-schematic.js"),
  // docs
  "docs-search": () => import("./docs-search.js"),
  // policy: check before you propose
  "policy-check": () => import("./policy-check.js"),
  "cli-help": () => import("./cli-help.js"),
} satisfies Record<string, () => Promise<{ default: AnyToolSpec }>>;

export type ToolModule = keyof typeof TOOL_MODULES;

/** The spec a tool module exports. */
export async function loadToolModule(module: ToolModule): Promise<AnyToolSpec> {
  return (await TOOL_MODULES[module]()).default;
}
