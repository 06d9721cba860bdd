// policy-check: judges a text an agent proposes (a plan, a runbook, an answer) against the Talos
// rules, prose and code alike. Rules as data: command lints judge each command that would run,
// prose lints judge each clause; both skip what the text states as not to do.
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { CliBinary } from "../server/tool-spec.js";
import { checkCommand, commandPath, type CommandCheck } from "./command-check.js";
import { isStatedAgainst, type Clause } from "./prose.js";
import type { RuleId } from "./rule-ids.js";
import { parseText, type CommandSpan, type ParsedText } from "./text-parse.js";

export interface Finding {
  rule: RuleId;
  severity: "error" | "warning";
  span: { start: number; end: number; line: number; column: number };
  message: string;
  fix: string;
}

type Trees = Partial<Record<CliBinary, CommandTreeData>>;
interface Verdict {
  rule: RuleId;
  severity: "error" | "warning";
  message: string;
  fix: string;
}

/** A command with what the lints need to know about it, worked out once. */
interface Judged extends CommandSpan {
  program: string;
  path: string[];
  /** real-commands-only verdict (talosctl/omnictl with a known command tree). */
  check?: CommandCheck;
}

interface Facts {
  text: string;
  /** The text says the cluster is managed by Omni. */
  omniManaged: boolean;
  /** talosctl bootstrap commands the text tells to run (not --recover-from), in order. */
  bootstraps: Judged[];
}

// --- shared vocabulary -------------------------------------------------------------------------
const SSH_PROGRAMS = new Set(["ssh", "scp", "sftp", "mosh", "ssh-copy-id"]);
const EDITORS = new Set(["vi", "vim", "nano", "emacs", "ed"]);
const WRITERS = new Set(["tee", "cp", "mv", "rm", "chmod", "chown", "touch", "ln", "install", "mkdir", "rmdir", "truncate", "dd", "rsync"]);
const SYSTEM_PACKAGE_MANAGERS = new Set(["apt", "apt-get", "aptitude", "yum", "dnf", "microdnf", "apk", "pacman", "zypper", "emerge", "nix-env", "rpm", "dpkg", "snap", "opkg", "tdnf"]);
const OTHER_PACKAGE_MANAGERS = new Set(["pip", "pip3", "pipx", "npm", "yarn", "brew"]);

const NODE_PATH = /^\/(?:etc|var|usr|opt|boot|lib|lib64|system|root|srv)(?:\/|$)/;
/** System certificate stores and systemd unit directories (rule no-cert-systemd-changes, not plain file edits). */
const CERT_OR_SYSTEMD_PATH = /^\/(?:etc\/(?:ssl|pki|ca-certificates|systemd|kubernetes\/pki)|usr\/(?:local\/)?share\/ca-certificates|usr\/lib\/systemd|lib\/systemd|run\/systemd)(?:\/|$)/;
/** Installing the clients on a workstation writes /usr/local/bin/talosctl; that is not a node. */
const isClientBinary = (path: string, command: string) => /^\/usr\/local\/bin(?:\/|$)/.test(path) && /\b(?:talosctl|omnictl|kubectl)\b/.test(command);
/** Where a command or instruction says it runs on a node. */
const ON_A_NODE =
  /\bon\s+(?:(?:the|each|every|all|both|a|its|that)\s+)?(?:[\w-]+\s+){0,2}?(?:nodes?|workers?|control[- ]planes?|vms?)\b|\bon\s+(?:the|each|every|all|a)\s+(?:talos\s+)?machines?\b|\bon\s+(?:cp|worker|node)-\d+\b/i;
/** Where it says it runs on the operator's own machine. */
const ON_A_WORKSTATION = /\b(?:workstation|laptop|desktop|your (?:own |local )?(?:mac|machine|computer|pc)|local machine|locally|macos|admin (?:box|machine|host)|ci runner|build (?:host|machine))\b/i;
/** Client tools and local-cluster prerequisites an operator installs on a workstation. */
const CLIENT_TOOLS = /\b(?:talosctl|omnictl|kubectl|sidero-tools|siderolabs\/tap|helm|k9s|qemu[\w-]*|docker)\b/i;
const HYPOTHETICAL = /^\W*(?:if|when|whenever|unless|whether|once)\b|\b(?:could|might|may|would|later|consider|someday|in the future)\b/i;
const STANDALONE = /\b(?:standalone|stand-alone|non-omni|not managed by omni|without omni|plain talos|self-managed|outside (?:of )?omni)\b/i;
const DESTRUCTIVE_WARNING = /destructive|\bwipes?\b|wiping|\berases?\b|erasing|data loss|irreversible|cannot be undone|can['’]t be undone|permanent(?:ly)?|warning|caution|danger|tears? (?:it|the cluster) down/i;
/** talosctl commands that change a node: Omni reverts them or they bypass its reconciliation. */
const TALOSCTL_MUTATIONS = new Set(["apply-config", "patch", "edit", "upgrade", "upgrade-k8s", "reset", "rollback", "rotate-ca", "bootstrap", "meta", "wipe", "etcd leave", "etcd remove-member"]);

const pathArgument = (word: string) => word.replace(/^\d?>{1,2}/, "").replace(/[,;:)]+$/, "");

/** Node paths a command writes: every path of an editor or writer, the redirect target of echo/cat/printf. */
function writtenNodePaths(c: Judged): string[] {
  const args = c.words.slice(1);
  let candidates: string[] = [];
  if (EDITORS.has(c.program) || WRITERS.has(c.program)) candidates = args.filter((w) => !w.startsWith("-") || /^\d?>/.test(w)).map(pathArgument);
  else if (c.program === "sed" && args.some((w) => /^-\w*i/.test(w) || w.startsWith("--in-place"))) candidates = args.filter((w) => !w.startsWith("-")).map(pathArgument);
  // A redirect (`> /etc/x`, `>>/etc/x`) writes, whatever the program.
  args.forEach((w, i) => {
    if (/^\d?>{1,2}$/.test(w) && args[i + 1]) candidates.push(pathArgument(args[i + 1]!));
    else if (/^\d?>{1,2}\//.test(w)) candidates.push(pathArgument(w));
  });
  return [...new Set(candidates)].filter((p) => NODE_PATH.test(p) && !isClientBinary(p, c.words.join(" ")));
}

/** Node addresses a talosctl command targets (-n/--nodes, comma lists and repeats). */
function targetNodes(words: readonly string[]): string[] {
  const nodes: string[] = [];
  words.forEach((word, i) => {
    const joined = /^(?:--nodes=|-n=?)(.+)$/.exec(word);
    if (joined && word !== "-n") nodes.push(...joined[1]!.split(","));
    else if ((word === "-n" || word === "--nodes") && words[i + 1]) nodes.push(...words[i + 1]!.split(","));
  });
  return nodes.filter(Boolean);
}

const isBootstrap = (c: Judged) => c.program === "talosctl" && c.path[0] === "bootstrap" && !c.words.some((w) => w.startsWith("--recover-from"));

// --- command lints --------------------------------------------------------------------------------
interface CommandLint {
  rule: RuleId;
  judge(command: Judged, facts: Facts): Verdict[];
}

const COMMAND_LINTS: readonly CommandLint[] = [
  {
    rule: "no-ssh",
    judge: (c) =>
      SSH_PROGRAMS.has(c.program)
        ? [{ rule: "no-ssh", severity: "error", message: `${c.program}: Talos has no SSH daemon or shell`, fix: "use the Talos API: talosctl logs, dmesg, service, get, read, copy (or the logs/dmesg/services/get tools)" }]
        : [],
  },
  {
    rule: "no-node-file-edits",
    judge: (c) => {
      const written = writtenNodePaths(c);
      const verdicts: Verdict[] = [];
      const files = written.filter((p) => !CERT_OR_SYSTEMD_PATH.test(p));
      const system = written.filter((p) => CERT_OR_SYSTEMD_PATH.test(p));
      if (files.length) verdicts.push({ rule: "no-node-file-edits", severity: "error", message: `${c.program} writes ${files.join(", ")}; Talos' root filesystem is immutable and nodes are not edited file by file`, fix: "change the machine config instead (patch-config, then apply; machine.files for files under /var)" });
      if (system.length) verdicts.push({ rule: "no-cert-systemd-changes", severity: "error", message: `${c.program} writes ${system.join(", ")}: Talos has no systemd units or OS certificate store to change`, fix: "trust extra CAs with a TrustedRootsConfig document; run host services as extension services; rotate the cluster CAs with talosctl rotate-ca" });
      return verdicts;
    },
  },
  {
    rule: "no-package-managers",
    judge: (c) => {
      const where = `${c.lead}\n${c.line}`;
      const onNode = ON_A_NODE.test(where) && !ON_A_WORKSTATION.test(where);
      const flagged = SYSTEM_PACKAGE_MANAGERS.has(c.program) ? onNode || (!ON_A_WORKSTATION.test(where) && !CLIENT_TOOLS.test(c.words.slice(1).join(" "))) : OTHER_PACKAGE_MANAGERS.has(c.program) && onNode;
      return flagged ? [{ rule: "no-package-managers", severity: "error", message: `${c.program}: Talos has no package manager and no writable root filesystem`, fix: "add software as a system extension in an Image Factory schematic (image-schematic), or run it as a Kubernetes workload" }] : [];
    },
  },
  {
    rule: "no-kubeadm",
    judge: (c) => (c.program === "kubeadm" ? [{ rule: "no-kubeadm", severity: "error", message: "kubeadm: Talos bootstraps and upgrades Kubernetes itself", fix: "talosctl bootstrap (once) and talosctl upgrade-k8s (the bootstrap / upgrade-kubernetes tools)" }] : []),
  },
  {
    rule: "no-cert-systemd-changes",
    judge: (c) => {
      const p = c.program;
      const changes = p === "systemctl" || p === "update-ca-certificates" || p === "update-ca-trust" || (p === "service" && c.words.length > 1) || (p === "trust" && c.words[1] === "anchor");
      return changes
        ? [{ rule: "no-cert-systemd-changes", severity: "error", message: `${p}: Talos runs API-managed services, not systemd, and manages its own certificates`, fix: "inspect and restart services with talosctl service; trust extra CAs with a TrustedRootsConfig document; rotate CAs with talosctl rotate-ca" }]
        : [];
    },
  },
  {
    rule: "bootstrap-once",
    judge: (c, facts) => {
      if (!isBootstrap(c)) return [];
      const nodes = targetNodes(c.words);
      const first = facts.bootstraps[0];
      const firstNodes = first ? targetNodes(first.words) : [];
      const fallback = /\|\|/.test(c.line) && (c.line.match(/\bbootstrap\b/g) ?? []).length > 1;
      const reason =
        c.inLoop || c.repeated || fallback
          ? "talosctl bootstrap in a loop or retry: a repeated bootstrap (or one on another control plane) splits etcd"
          : nodes.length > 1
            ? `talosctl bootstrap on ${nodes.length} nodes: etcd is bootstrapped on exactly one control plane`
            : first && first !== c && nodes.length === 1 && firstNodes.length === 1 && nodes[0] !== firstNodes[0]
              ? `a second talosctl bootstrap, on ${nodes[0]} after ${firstNodes[0]}: bootstrapping another control plane splits etcd`
              : undefined;
      return reason ? [{ rule: "bootstrap-once", severity: "error", message: reason, fix: "run bootstrap once, on one control-plane node; if it fails, read the error (etcd-status, dmesg, service etcd) instead of retrying — the others join on their own" }] : [];
    },
  },
  {
    rule: "destructive-explicit",
    judge: (c, facts) => {
      const destructive = (c.program === "talosctl" && (c.path[0] === "reset" || c.path[0] === "wipe")) || (c.program === "omnictl" && ["cluster delete", "delete", "cluster template delete"].includes(c.path.join(" ")));
      if (!destructive) return [];
      const around = `${facts.text.slice(Math.max(0, c.start - 400), c.start)} ${facts.text.slice(c.end, c.end + 400)}`;
      return DESTRUCTIVE_WARNING.test(around)
        ? []
        : [{ rule: "destructive-explicit", severity: "warning", message: `${[c.program, ...c.path].join(" ")} destroys data, but the text does not say so`, fix: "state plainly that it is destructive (what it wipes, that it cannot be undone) and have the target typed back before it runs" }];
    },
  },
  {
    rule: "omni-reconcile",
    judge: (c, facts) => {
      const mutation = c.program === "talosctl" && (TALOSCTL_MUTATIONS.has(c.path[0] ?? "") || TALOSCTL_MUTATIONS.has(c.path.slice(0, 2).join(" ")));
      return facts.omniManaged && mutation && !STANDALONE.test(`${c.lead}\n${c.line}`)
        ? [{ rule: "omni-reconcile", severity: "error", message: `talosctl ${c.path.join(" ")} changes a node of an Omni-managed cluster: Omni reverts it or it bypasses Omni's reconciliation`, fix: "change the cluster template (patches, versions) and apply it with omnictl cluster template sync (template-sync)" }]
        : [];
    },
  },
  {
    rule: "real-commands-only",
    judge: (c) => {
      const check = c.check;
      if (!check || check.ok) return [];
      // talosctl followed by an English word ("talosctl is the CLI") is prose, not an invented command.
      if (c.source === "prose" && check.kind === "command" && check.path.length === 0 && !check.suggestion) return [];
      return [{ rule: "real-commands-only", severity: "error", message: check.message, fix: check.suggestion ? `use ${check.suggestion}` : "check the command with cli-help" }];
    },
  },
];

// --- prose lints ----------------------------------------------------------------------------------
interface ProseLint {
  rule: RuleId;
  pattern: RegExp;
  judge(match: RegExpMatchArray, clause: Clause, context: { clauseText: string; sentence: string; previousSentence: string }): Verdict | undefined;
}

const verdict = (rule: RuleId, message: string, fix: string): Verdict => ({ rule, severity: "error", message, fix });
const NODE_SHELL_FIX = "inspect through the API (talosctl logs, dmesg, get, read) and change the machine config (patch-config, apply)";
const NODE_FILE_FIX = "change the machine config instead (patch-config, then apply; machine.files for files under /var)";
const CERT_SYSTEMD_FIX = "trust extra CAs with a TrustedRootsConfig document; run host services as extension services (ExtensionServiceConfig) or DaemonSets; inspect services with talosctl service";
const PACKAGE_FIX = "add software as a system extension in an Image Factory schematic (image-schematic), or run it as a Kubernetes workload";
const BOOTSTRAP_FIX = "bootstrap once, on one control-plane node; if it fails, read the error (etcd-status, dmesg, service etcd) instead of retrying — the other control planes join on their own";
const EDIT_VERB = "edit|editing|modify|modifying|change|changing|update|updating|append|appending|add|adding|write|writing|overwrite|overwriting|replace|replacing|create|creating|delete|deleting|remove|removing|copy|copying|move|moving|put|putting|place|placing|drop|dropping|open|opening|tweak|tweaking|mkdir|touch|chmod|chown";

const PROSE_LINTS: readonly ProseLint[] = [
  {
    rule: "no-ssh",
    pattern: /(?<!no-)\b(?:ssh(?:['’]?ing|['’]d|ed|d)?|scp|sftp|putty|mosh|ssh-copy-id)\b/gi,
    judge: (m) => verdict("no-ssh", `"${m[0]}": Talos has no SSH daemon or shell`, "use the Talos API: talosctl logs, dmesg, service, get, read, copy"),
  },
  {
    rule: "no-node-file-edits",
    pattern: new RegExp(`\\b(${EDIT_VERB})\\b([^;:!?]{0,80}?)(?<![\\w./~-])(\\/(?:etc|var|usr|opt|boot|lib|lib64|system|root|srv)(?:\\/[^\\s\`'",;:()]*)?)`, "gi"),
    judge: (m) => {
      const [, verb, between, found] = m;
      const path = found!.replace(/\.$/, "");
      // Copying or moving from a node path reads it; only a destination is written.
      if (/^(?:copy|copying|move|moving)$/i.test(verb!) && !/\b(?:to|into|onto|in)\s*$/i.test(between!)) return undefined;
      // "Change the kubelet extraMounts so /var/mnt is…", "a machine.files entry that writes /var/…": the Talos way.
      if (/machine[ -]?config|config(?:uration)? patch|\bpatch\b|\bmachine\.|\bcluster\.|extraMounts|talosctl/i.test(between!) || isClientBinary(path, m[0])) return undefined;
      return CERT_OR_SYSTEMD_PATH.test(path)
        ? verdict("no-cert-systemd-changes", `changing ${path}: Talos has no systemd units or OS certificate store to change`, CERT_SYSTEMD_FIX)
        : verdict("no-node-file-edits", `changing ${path} on a node: Talos' root filesystem is immutable`, NODE_FILE_FIX);
    },
  },
  {
    rule: "no-node-file-edits",
    pattern: /\b(?:log(?:ging|ged)?[ -]?(?:in|on)(?:to)?|login)\s+(?:(?:to|into|on|as root on)\s+)?(?:(?:the|a|an|each|every|any|your|that|this)\s+)?(?:[\w-]+\s+){0,2}?(?:nodes?|machines?|control[- ]planes?|workers?|vms?)(?:['’]s)?\b(?!\s+(?:image|media|class|set))|\b(?:a|root|interactive|login)\s+(?:shell|terminal|tty)\b[^;:!?]{0,30}?\b(?:on|into|in)\b[^;:!?]{0,25}?\b(?:nodes?|machines?|control[- ]planes?|workers?|hosts?)\b|\b(?:console|root|interactive) (?:login|session)s?\b|\bnode-shell\b/gi,
    // Logging in over SSH is reported as no-ssh.
    judge: (m, clause) => (/\bssh\b/i.test(clause.text) ? undefined : verdict("no-node-file-edits", `"${m[0]}": Talos has no shell or console login`, NODE_SHELL_FIX)),
  },
  {
    rule: "no-node-file-edits",
    pattern: /\bsudo\s+(?:-i|-s|su)\b|\bsu\s+(?:-|root)(?!\w)/gi,
    judge: (m, _clause, { sentence }) => (ON_A_NODE.test(sentence) ? verdict("no-node-file-edits", `"${m[0]}" on a node: Talos has no shell`, NODE_SHELL_FIX) : undefined),
  },
  {
    rule: "no-node-file-edits",
    pattern: /\b(?:edit|editing|modify|modifying|change|changing|write|writing)\s+(?:the\s+|any\s+)?(?:config(?:uration)?\s+)?files?\s+(?:on|in)\s+(?:the|a|each|every|your)\s+(?:\w+\s+)?nodes?\b/gi,
    judge: (m) => verdict("no-node-file-edits", `"${m[0]}": Talos' root filesystem is immutable`, NODE_FILE_FIX),
  },
  {
    rule: "no-package-managers",
    pattern: /\b(?:apt-get|apt|aptitude|yum|dnf|microdnf|apk|pacman|zypper|emerge|nix-env|rpm|dpkg|opkg|tdnf|pip3?|pipx|npm|yarn|brew)\b|\bpackage managers?\b/gi,
    judge: (m, _clause, { sentence }) => {
      const name = m[0].toLowerCase();
      const onWorkstation = ON_A_WORKSTATION.test(sentence);
      const onNode = ON_A_NODE.test(sentence) && !onWorkstation;
      const flagged = OTHER_PACKAGE_MANAGERS.has(name) ? onNode : onNode || (!onWorkstation && !CLIENT_TOOLS.test(sentence));
      return flagged ? verdict("no-package-managers", `"${m[0]}": Talos has no package manager`, PACKAGE_FIX) : undefined;
    },
  },
  {
    rule: "no-kubeadm",
    pattern: /\bkubeadm\b/gi,
    judge: () => verdict("no-kubeadm", "kubeadm: Talos bootstraps and upgrades Kubernetes itself", "talosctl bootstrap (once) and talosctl upgrade-k8s (the bootstrap / upgrade-kubernetes tools)"),
  },
  {
    rule: "no-cert-systemd-changes",
    pattern: /\b(?:systemctl|update-ca-certificates|update-ca-trust|trust anchor)\b|\bsystemd\s+(?:units?|services?|timers?|unit files?|drop-ins?)\b|\bunit files?\b|\btimer units?\b|\b(?:trust\s*store|certificate\s+store|cert\s+store|ca\s+store|ca\s+bundle)\b/gi,
    judge: (m) => verdict("no-cert-systemd-changes", `"${m[0]}": Talos runs API-managed services, not systemd, and manages its own certificates`, CERT_SYSTEMD_FIX),
  },
  {
    rule: "bootstrap-once",
    pattern: /\b(?:re-?try(?:ing)?|re-?run(?:ning)?|keep (?:re-?trying|running|trying)|try (?:it |that )?again|run (?:it|this|that) again|do (?:it|that) again|once more|one more time|another (?:try|attempt|go)|until it succeeds)\b|\bbootstrap(?:\s+\S+){0,3}?\s+again\b/gi,
    judge: (m, clause, { clauseText, sentence, previousSentence }) => {
      const aboutBootstrap = (s: string) => /\bbootstrap\b/i.test(s) && !/recover-from/.test(s);
      const otherOperation = /\b(?:apply|upgrade|reboot|reset|patch|sync|install|download|health)/i.test(clauseText);
      return aboutBootstrap(clauseText) || (!otherOperation && (aboutBootstrap(sentence) || aboutBootstrap(previousSentence)))
        ? verdict("bootstrap-once", `"${m[0]}" of talosctl bootstrap: a repeated bootstrap (or one on another control plane) splits etcd`, BOOTSTRAP_FIX)
        : undefined;
    },
  },
  {
    rule: "bootstrap-once",
    pattern: /\bbootstrap(?:ping)?\b(?:\s+(?:etcd|it))?(?:\s+on)?\s+(?:the\s+)?(?:all|each|every|both|another|other|second|third|new|additional|remaining)\b|\bbootstrap\b[^;:!?]{0,40}?\binstead\b/gi,
    judge: (m, clause) => (/recover-from/.test(clause.text) ? undefined : verdict("bootstrap-once", `"${m[0]}": etcd is bootstrapped once, on one control plane; the others join`, BOOTSTRAP_FIX)),
  },
];

// --- running the lints ----------------------------------------------------------------------------
const programOf = (command: CommandSpan) => command.words[0]!.replace(/^.*\//, "");

function judgeCommands(parsed: ParsedText, trees: Trees): Judged[] {
  return parsed.commands.map((command) => {
    const program = programOf(command);
    const binary = program === "talosctl" || program === "omnictl" ? program : undefined;
    const tree = binary ? trees[binary] : undefined;
    const check = binary && tree ? checkCommand(binary, command.words.slice(1), tree) : undefined;
    return { ...command, program, path: check ? check.path : binary ? commandPath(binary, command.words.slice(1), undefined) : [], check };
  });
}

function factsOf(text: string, parsed: ParsedText, commands: Judged[]): Facts {
  // "This cluster is managed by Omni" — not "if you later move it to Omni" or "you could use Omni".
  const omniInProse = parsed.clauses.some((clause) => !HYPOTHETICAL.test(clause.text) && [...clause.text.matchAll(/\bomni\b/gi)].some((m) => !isStatedAgainst(clause, m.index, m.index + m[0].length)));
  const omniCommand = commands.some((c) => c.program === "omnictl" && !c.statedAgainst);
  return { text, omniManaged: omniInProse || omniCommand, bootstraps: commands.filter((c) => isBootstrap(c) && !c.statedAgainst) };
}

/** Line and column of an offset, from the offsets where lines start (binary search). */
function positionIn(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low]! + 1 };
}

export function lintText(text: string, trees: Trees): Finding[] {
  const parsed = parseText(text);
  const commands = judgeCommands(parsed, trees);
  const facts = factsOf(text, parsed, commands);
  const raw: { verdict: Verdict; start: number; end: number }[] = [];
  for (const command of commands) {
    if (command.statedAgainst) continue;
    for (const lint of COMMAND_LINTS) for (const v of lint.judge(command, facts)) raw.push({ verdict: v, start: command.start, end: command.end });
  }
  const previousSentence = new Map<number, string>();
  let sentenceBefore = "";
  for (const clause of parsed.clauses) {
    if (previousSentence.has(clause.sentence.start)) continue;
    previousSentence.set(clause.sentence.start, sentenceBefore);
    sentenceBefore = text.slice(clause.sentence.start, clause.sentence.end);
  }
  for (const clause of parsed.clauses) {
    const sentence = text.slice(clause.sentence.start, clause.sentence.end);
    const context = { clauseText: text.slice(clause.start, clause.end), sentence, previousSentence: previousSentence.get(clause.sentence.start)! };
    for (const lint of PROSE_LINTS) {
      for (const match of clause.text.matchAll(lint.pattern)) {
        if (isStatedAgainst(clause, match.index, match.index + match[0].length)) continue;
        const v = lint.judge(match, clause, context);
        if (v) raw.push({ verdict: v, start: clause.start + match.index, end: clause.start + match.index + match[0].length });
      }
    }
  }
  // One finding per rule and place: a command in prose is seen both as a command and as words.
  const kept: typeof raw = [];
  for (const r of raw) {
    if (!kept.some((k) => k.verdict.rule === r.verdict.rule && k.start < r.end && r.start < k.end)) kept.push(r);
  }
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  return kept
    .sort((a, b) => a.start - b.start)
    .map(({ verdict: v, start, end }) => ({ rule: v.rule, severity: v.severity, message: v.message, fix: v.fix, span: { start, end, ...positionIn(lineStarts, start) } }));
}
