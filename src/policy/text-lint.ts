// policy-check: judges the commands in a text an agent proposes against the Talos rules. Rules as
// data: each lint names its rule id and decides on one command (with its surrounding block).
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { CliBinary } from "../server/tool-spec.js";
import { checkCommand } from "./command-check.js";
import type { RuleId } from "./rule-ids.js";
import { findCommands, type CommandSpan } from "./shell-words.js";

export interface Finding {
  rule: RuleId;
  severity: "error" | "warning";
  span: { start: number; end: number; line: number; column: number };
  message: string;
  fix: string;
}

type Verdict = Omit<Finding, "span" | "rule"> | undefined;

interface Lint {
  rule: RuleId;
  judge(command: CommandSpan, text: string, trees: Partial<Record<CliBinary, CommandTreeData>>): Verdict;
}

const NODE_PATH = /^\/(etc|var|usr|opt|boot|lib|system)(\/|$)/;
const program = (c: CommandSpan) => c.words[0]!.replace(/^.*\//, "");
const touchesNodePath = (c: CommandSpan) => c.words.slice(1).some((w) => NODE_PATH.test(w.replace(/^>+/, "")));
const isTalosBootstrap = (c: CommandSpan) => program(c) === "talosctl" && c.words.includes("bootstrap") && !c.words.some((w) => w.startsWith("--recover-from"));

const LINTS: readonly Lint[] = [
  {
    rule: "no-ssh",
    judge: (c) =>
      ["ssh", "scp", "sftp", "mosh", "ssh-copy-id"].includes(program(c))
        ? { severity: "error", message: `${program(c)}: Talos has no SSH daemon or shell`, fix: "use the Talos API: talosctl logs, dmesg, service, get (or the logs/dmesg/services/get tools)" }
        : undefined,
  },
  {
    rule: "no-node-file-edits",
    judge: (c) => {
      const p = program(c);
      const editor = ["vi", "vim", "nano", "emacs", "ed"].includes(p);
      const inPlace = p === "sed" && c.words.some((w) => /^-i/.test(w) || w === "--in-place");
      const writer = ["tee", "cp", "mv", "rm", "chmod", "chown", "touch", "ln", "install", "echo", "cat", "printf"].includes(p) && (touchesNodePath(c) || c.words.some((w) => /^>>?\/(etc|var)/.test(w)));
      if ((editor || inPlace) && touchesNodePath(c)) return { severity: "error", message: `${p} edits files on the node; Talos' root filesystem is immutable`, fix: "change the machine config instead (patch-config, then apply)" };
      if (writer && (touchesNodePath(c) || c.words.some((w) => w === ">" || w === ">>"))) {
        return { severity: "error", message: `${p} writes to ${c.words.find((w) => NODE_PATH.test(w.replace(/^>+/, ""))) ?? "a node path"}; Talos nodes are not edited file by file`, fix: "put files in the machine config (machine.files) or change settings there (patch-config, apply)" };
      }
      return undefined;
    },
  },
  {
    rule: "no-package-managers",
    judge: (c) => {
      const p = program(c);
      if (["apt", "apt-get", "yum", "dnf", "apk", "pacman", "zypper", "rpm", "dpkg", "snap"].includes(p)) {
        return { severity: "error", message: `${p}: Talos has no package manager`, fix: "add software as a system extension in an Image Factory schematic (image-schematic), or run it as a Kubernetes workload" };
      }
      if ((p === "pip" || p === "pip3") && c.words.includes("install")) {
        return { severity: "warning", message: "pip install cannot run on a Talos node (no Python, immutable root)", fix: "run Python tooling on your workstation or in a pod, not on the node" };
      }
      return undefined;
    },
  },
  {
    rule: "no-kubeadm",
    judge: (c) => (program(c) === "kubeadm" ? { severity: "error", message: "kubeadm: Talos bootstraps and upgrades Kubernetes itself", fix: "talosctl bootstrap (once) and talosctl upgrade-k8s (the bootstrap / upgrade-kubernetes tools)" } : undefined),
  },
  {
    rule: "no-cert-systemd-changes",
    judge: (c) => {
      const p = program(c);
      if (p === "systemctl" || p === "service" || p === "update-ca-certificates" || p === "update-ca-trust") {
        return { severity: "error", message: `${p}: Talos runs API-managed services, not systemd, and manages its own certificates`, fix: "inspect services with talosctl service; trust extra CAs with a TrustedRootsConfig document; rotate CAs with talosctl rotate-ca" };
      }
      if (c.words.some((w) => /^\/(etc\/systemd|lib\/systemd|usr\/local\/share\/ca-certificates|etc\/ssl|etc\/pki)/.test(w))) {
        return { severity: "error", message: "systemd units and system certificate stores do not exist for you to change on Talos", fix: "use machine config documents (TrustedRootsConfig, ExtensionServiceConfig) via patch-config and apply" };
      }
      return undefined;
    },
  },
  {
    rule: "bootstrap-once",
    judge: (c) => {
      if (!isTalosBootstrap(c)) return undefined;
      const loop = (/\b(until|while|for)\b/.test(c.context) && /\bdo\b/.test(c.context)) || /\bwatch\b[^\n]*\bbootstrap\b/.test(c.context) || /\|\|\s*talosctl[^\n]*\bbootstrap\b|\bbootstrap\b[^\n]*\|\|/.test(c.context) || /\bretry\b[^\n]*\bbootstrap\b/.test(c.context);
      return loop
        ? { severity: "error", message: "talosctl bootstrap inside a retry loop: a repeated bootstrap on another control plane splits etcd", fix: "run bootstrap once, on one control-plane node; if it fails, read the error (etcd-status, dmesg) instead of retrying" }
        : undefined;
    },
  },
  {
    rule: "destructive-explicit",
    judge: (c, text) => {
      if (program(c) !== "talosctl" || c.words[1] !== "reset") return undefined;
      const around = text.slice(Math.max(0, c.start - 400), c.end + 400);
      return /destructive|wipe|erase|data loss|irreversible|warning|caution|danger/i.test(around)
        ? undefined
        : { severity: "warning", message: "talosctl reset wipes the node, but the text does not say so", fix: "state plainly that reset is destructive (it wipes the node and removes it from etcd) and needs the node typed back" };
    },
  },
  {
    rule: "real-commands-only",
    judge: (c, _text, trees) => {
      const p = program(c);
      if (p !== "talosctl" && p !== "omnictl") return undefined;
      const tree = trees[p];
      if (!tree) return undefined;
      const check = checkCommand(p, c.words.slice(1), tree);
      return check.ok ? undefined : { severity: "error", message: check.message, fix: check.suggestion ? `use ${check.suggestion}` : "check the command with cli-help" };
    },
  },
];

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

export function lintText(text: string, trees: Partial<Record<CliBinary, CommandTreeData>>): Finding[] {
  const findings: Finding[] = [];
  for (const command of findCommands(text)) {
    for (const lint of LINTS) {
      const verdict = lint.judge(command, text, trees);
      if (verdict) findings.push({ rule: lint.rule, ...verdict, span: { start: command.start, end: command.end, ...position(text, command.start) } });
    }
  }
  return findings;
}
