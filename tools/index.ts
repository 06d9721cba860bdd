// Every tool, grouped by toolset (shared/DESIGN.md §3). A tool is one file exporting a ToolSpec;
// adding one is a file plus a line here.
import type { AnyToolSpec } from "../src/server/tool-spec.js";
import apply from "./apply.js";
import bootstrap from "./bootstrap.js";
import cliHelp from "./cli-help.js";
import dmesg from "./dmesg.js";
import docsSearch from "./docs-search.js";
import etcdBackup from "./etcd-backup.js";
import etcdRestore from "./etcd-restore.js";
import etcdStatus from "./etcd-status.js";
import genConfig from "./gen-config.js";
import get from "./get.js";
import health from "./health.js";
import imageSchematic from "./image-schematic.js";
import kubeconfig from "./kubeconfig.js";
import omniGet from "./omni-get.js";
import omniKubeconfig from "./omni-kubeconfig.js";
import omniTalosconfig from "./omni-talosconfig.js";
import logs from "./logs.js";
import patchConfig from "./patch-config.js";
import policyCheck from "./policy-check.js";
import reboot from "./reboot.js";
import reset from "./reset.js";
import services from "./services.js";
import templateExport from "./template-export.js";
import templateStatus from "./template-status.js";
import templateSync from "./template-sync.js";
import templateValidate from "./template-validate.js";
import upgrade from "./upgrade.js";
import upgradeKubernetes from "./upgrade-kubernetes.js";
import validateConfig from "./validate-config.js";
import version from "./version.js";

export const ALL_TOOLS: readonly AnyToolSpec[] = [
  // talos: configuration and cluster lifecycle
  genConfig,
  validateConfig,
  patchConfig,
  apply,
  bootstrap,
  kubeconfig,
  health,
  get,
  logs,
  dmesg,
  services,
  version,
  // etcd
  etcdStatus,
  etcdBackup,
  etcdRestore,
  // lifecycle
  upgrade,
  upgradeKubernetes,
  reboot,
  reset,
  // omni: cluster templates are the source of truth
  templateValidate,
  templateSync,
  templateStatus,
  templateExport,
  omniGet,
  omniKubeconfig,
  omniTalosconfig,
  // factory: custom images
  imageSchematic,
  // docs
  docsSearch,
  // policy: check before you propose
  policyCheck,
  cliHelp,
];
