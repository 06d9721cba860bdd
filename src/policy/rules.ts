// The rule table (shared/DESIGN.md §4): data, one entry per rule id, each with the docs page that
// explains the Talos way. Denials, findings, audit lines, the talos://rules resource and
// docs/rules.md all come from here.
import type { RuleId } from "./rule-ids.js";
import { RULE_IDS } from "./rule-ids.js";

export interface Rule {
  id: RuleId;
  title: string;
  summary: string;
  description: string;
  source: string;
  docs: string;
  enforcedBy: string;
}

const DOCS = "https://docs.siderolabs.com";

export const RULES: readonly Rule[] = [
  {
    id: "no-ssh",
    title: "No SSH",
    summary: "Talos has no SSH or shell; use the API (talosctl).",
    description: "Talos Linux is API-managed: there is no SSH daemon, no shell and no console login. Inspect nodes with talosctl logs, dmesg, service, get.",
    source: "seed gotcha 1",
    docs: `${DOCS}/talos/v1.12/learn-more/talos-for-linux-admins`,
    enforcedBy: "no tool opens SSH; policy-check flags ssh/scp/sftp commands and SSH in prose",
  },
  {
    id: "no-node-file-edits",
    title: "No file edits on nodes",
    summary: "The root filesystem is immutable; change the machine config instead.",
    description: "Never edit files under /etc or /var on a node, open editors or shells there. Configuration changes go through the machine config (patch-config, apply).",
    source: "seed gotcha 2",
    docs: `${DOCS}/talos/v1.12/learn-more/philosophy`,
    enforcedBy: "no tool writes node paths; policy-check flags editors and writes under /etc, /var, … and shells or logins on nodes, in code and prose",
  },
  {
    id: "no-package-managers",
    title: "No package managers",
    summary: "Talos has no apt/yum/apk; extend it with system extensions via Image Factory.",
    description: "Talos ships no package manager. Extra software comes as system extensions baked into the image (Image Factory schematics) or as Kubernetes workloads.",
    source: "seed gotcha 3",
    docs: `${DOCS}/talos/v1.12/build-and-extend-talos/custom-images-and-development/system-extensions`,
    enforcedBy: "policy-check flags apt/yum/dnf/apk/pacman/zypper/emerge/nix-env/rpm/dpkg, and pip/npm/brew on a node, in code and prose (installing the clients on a workstation is fine)",
  },
  {
    id: "no-kubeadm",
    title: "No kubeadm",
    summary: "Talos bootstraps and upgrades Kubernetes itself (bootstrap, upgrade-k8s).",
    description: "Talos does not use kubeadm for initialisation or upgrades: etcd starts with talosctl bootstrap and Kubernetes upgrades with talosctl upgrade-k8s.",
    source: "seed gotcha 4",
    docs: `${DOCS}/kubernetes-guides/advanced-guides/upgrading-kubernetes`,
    enforcedBy: "policy-check flags kubeadm, in code and prose",
  },
  {
    id: "bootstrap-once",
    title: "Bootstrap etcd exactly once",
    summary: "Bootstrap one control-plane node once; never retry; recovery uses --recover-from.",
    description:
      "talosctl bootstrap starts etcd on one control-plane node, once per cluster. Talos only checks the node it is asked, so bootstrapping another control plane splits etcd. The server checks every control-plane node live and its ledger first, reports 'already bootstrapped' instead of retrying, and restores only with bootstrap --recover-from.",
    source: "seed gotcha 6",
    docs: `${DOCS}/talos/v1.12/getting-started/getting-started`,
    enforcedBy: "bootstrap/etcd-restore preflight (etcd service on every control plane, ledger); policy-check flags bootstrap retried, looped, on several nodes or on a second node",
  },
  {
    id: "destructive-explicit",
    title: "Destructive operations are explicit",
    summary: "Mutations need a person's consent; destructive and irreversible ones need the target typed back.",
    description:
      "Every change to a cluster shows its plan (commands, nodes, impact, the files it reads, dry-run diff) and runs only after a person agrees to exactly that plan: through the client's elicitation, the approval page or `talos-mcp approve`. The model's own plan id runs nothing unless the operator chose --consent plan. reset, bootstrap, etcd-restore, maintenance-mode apply, forced upgrades, template teardowns and cluster-admin kubeconfigs need the target typed back.",
    source: "seed gotcha 7",
    docs: `${DOCS}/talos/v1.12/configure-your-talos-cluster/lifecycle-management/resetting-a-machine`,
    enforcedBy: "consent step of the guard; policy-check flags talosctl reset/wipe and omnictl deletes without a warning",
  },
  {
    id: "no-cert-systemd-changes",
    title: "No certificate or systemd changes",
    summary: "No systemctl, unit files or system cert stores; CAs rotate with talosctl rotate-ca.",
    description: "Talos runs API-managed services, not systemd units, and manages its PKI itself. Never touch systemctl, unit files or the system certificate store; rotate CAs with talosctl rotate-ca.",
    source: "seed gotcha 8",
    docs: `${DOCS}/talos/v1.12/security/ca-rotation`,
    enforcedBy: "patch-config refuses patches replacing machine.ca/cluster.ca; policy-check flags systemctl, unit files and OS trust stores (update-ca-certificates, trust anchor)",
  },
  {
    id: "omni-reconcile",
    title: "Do not bypass Omni",
    summary: "Omni-managed clusters change only through cluster templates (template-sync).",
    description: "When Omni manages a cluster, it reconciles machine configs continuously: talosctl writes would be reverted or fight Omni. Change the cluster template and sync it.",
    source: "seed gotcha 9",
    docs: `${DOCS}/omni/reference/cluster-templates`,
    enforcedBy: "preflight of every talosctl mutation (siderov1 context, Omni endpoint, node listed by Omni); policy-check flags talosctl changes in text about an Omni-managed cluster",
  },
  {
    id: "real-commands-only",
    title: "Only real commands",
    summary: "Use only commands and flags the pinned talosctl/omnictl have.",
    description: "Never invent commands or integrations. `talosctl etcd backup` and `talosctl etcd restore` do not exist: the real commands are `talosctl etcd snapshot` and `talosctl bootstrap --recover-from`.",
    source: "seed gotcha 10",
    docs: `${DOCS}/talos/v1.12/reference/cli`,
    enforcedBy: "argv checked against the pinned binaries' command tree (subcommands, global and per-command flags); cli-help and policy-check",
  },
  {
    id: "argv-guard",
    title: "Server-built argv only",
    summary: "Targets and credentials are chosen by the server, never passed as flags from input.",
    description: "Every child argv is built from typed fields and checked last: no short flags or dash-prefixed values, no --talosconfig/--endpoints/--nodes/--context/--cluster/--omniconfig from model input, only allowlisted contexts.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/reference/cli`,
    enforcedBy: "the runner, before every child process",
  },
  {
    id: "workspace-paths",
    title: "Workspace paths only",
    summary: "Every path resolves inside the workspace; no symlink escapes.",
    description: "Files the tools read or write (configs, patches, kubeconfigs, snapshots) must resolve, after following symlinks, inside the server's workspace.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/configure-your-talos-cluster/system-configuration/editing-machine-configuration`,
    enforcedBy: "workspace capability (realpath check) for every path input",
  },
  {
    id: "role-ceiling",
    title: "Role ceiling",
    summary: "Tools above the effective role (configured, credential, caller) are hidden and refused.",
    description: "The effective role is the lowest of the configured ceiling, the Talos credential's role and, over HTTP, the caller's token role; --read-only allows read tools only. Sensitive resources need admin.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/security/rbac`,
    enforcedBy: "tool registry filter and guard",
  },
  {
    id: "quorum",
    title: "Keep etcd quorum",
    summary: "No reboot/reset/upgrade of a control plane that would lose etcd quorum.",
    description: "Taking a control-plane node down is refused when the remaining healthy etcd members would not form a majority. Act on one node at a time and check health between.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/build-and-extend-talos/cluster-operations-and-maintenance/etcd-maintenance`,
    enforcedBy: "preflight of reboot, reset and upgrade (etcd service and members, live)",
  },
  {
    id: "one-minor-step",
    title: "One minor version per upgrade",
    summary: "Talos upgrades move at most one minor version per step.",
    description: "Upgrade Talos one minor release at a time (e.g. v1.11 → v1.12, then v1.13), one node at a time, control planes first, checking health between nodes.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/configure-your-talos-cluster/lifecycle-management/upgrading-talos`,
    enforcedBy: "preflight of upgrade (node version vs installer tag)",
  },
  {
    id: "protected-files",
    title: "Files that matter are never replaced",
    summary: "Secrets bundles, credentials, etcd snapshots and server state in the workspace are never overwritten.",
    description:
      "A secrets bundle holds every CA key of a cluster; talosconfigs, kubeconfigs and Omni credentials grant access; etcd snapshots are the only way back after losing quorum; the cluster state file is the bootstrap ledger. No tool replaces them, whatever overwrite says: files are recognised by content first (a renamed secrets bundle is still one), then by name. A talosconfig, kubeconfig or omniconfig may only be refreshed by one of the same cluster.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/getting-started/getting-started`,
    enforcedBy: "the workspace capability: every tool write, and outputs checked before the tool does any work",
  },
  {
    id: "kernel-arg-hosts",
    title: "Images point only at configured hosts",
    summary: "Kernel args that hand a node to a host (talos.config=, siderolink.api=, talos.logging.kernel=, talos.events.sink=) must name a host the operator configured.",
    description:
      "Kernel arguments baked into a custom image decide where a node fetches its machine config (talos.config=, talos.config.oauth.*), which Omni it joins (siderolink.api=), and where its kernel logs and events go (talos.logging.kernel=, talos.events.sink=). Pointing them at a host the operator did not configure hands the node, or its logs, to someone else; inline configs (talos.config.inline=, talos.config.early=) embed a machine config nobody reviewed. Allowed hosts are the configured Omni endpoint and the kernelArgHosts setting.",
    source: "server",
    docs: `${DOCS}/talos/v1.12/reference/kernel`,
    enforcedBy: "image-schematic, before the schematic is sent to the factory",
  },
];

if (RULES.map((rule) => rule.id).join() !== RULE_IDS.join()) throw new Error("RULES must list every rule id once, in RULE_IDS order");

export function ruleById(id: RuleId): Rule {
  return RULES.find((rule) => rule.id === id)!;
}
