// real-commands-only: resolves a command line's words against the pinned CLI's command tree.
import type { CommandEntry, CommandTreeData } from "../backends/command-tree-types.js";
import type { CliBinary } from "../server/tool-spec.js";

export type CommandCheck =
  | { ok: true; path: string[]; entry: CommandEntry }
  | { ok: false; kind: "command" | "flag"; unknown: string; path: string[]; suggestion?: string; message: string };

/** Commands agents (and the seed skill) invent, with the real way to do it. */
const KNOWN_INVENTIONS: Record<string, Record<string, string>> = {
  talosctl: {
    "etcd backup": "talosctl etcd snapshot <path>",
    "etcd restore": "talosctl bootstrap --recover-from <snapshot>",
    "etcd save": "talosctl etcd snapshot <path>",
    ssh: "talosctl logs / dmesg / service / get (Talos has no SSH)",
    shell: "talosctl logs / dmesg / service / get (Talos has no shell)",
    exec: "talosctl logs / dmesg / service / get (Talos has no shell)",
    "cluster upgrade": "talosctl upgrade --nodes <node> --image <installer> (one node at a time)",
    install: "talosctl apply-config --insecure --nodes <ip> --file <config>",
    "config apply": "talosctl apply-config --nodes <ip> --file <config>",
  },
  omnictl: {
    "cluster create": "omnictl cluster template sync -f <template.yaml>",
    "cluster apply": "omnictl cluster template sync -f <template.yaml>",
    "template sync": "omnictl cluster template sync -f <template.yaml>",
  },
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

function aliasTarget(tree: CommandTreeData, parent: string[], word: string): string | undefined {
  for (const name of tree.commands[parent.join(" ")]?.subcommands ?? []) {
    const entry = tree.commands[[...parent, name].join(" ")];
    if (name === word || entry?.aliases.includes(word)) return name;
  }
  return undefined;
}

export function checkCommand(binary: CliBinary, words: readonly string[], tree: CommandTreeData): CommandCheck {
  const path: string[] = [];
  let entry = tree.commands[""];
  if (!entry) return { ok: false, kind: "command", unknown: binary, path, message: `no command tree for ${binary}` };
  let index = 0;
  // Walk subcommands (flags may appear anywhere; skip them while walking).
  for (; index < words.length; index += 1) {
    const word = words[index]!;
    if (word.startsWith("-")) {
      // A valued flag given as "--flag value" consumes the next word.
      if (!word.includes("=") && !entry.booleanFlags.includes(word) && entry.flags.includes(word)) index += 1;
      continue;
    }
    if (entry.subcommands.length === 0) break;
    const next = aliasTarget(tree, path, word);
    if (!next) {
      const attempted = [...path, word].join(" ");
      const invented = Object.entries(KNOWN_INVENTIONS[binary] ?? {}).find(([key]) => attempted === key || attempted.startsWith(`${key} `));
      const suggestion = invented?.[1] ?? (nearest(word, entry.subcommands) ? [binary, ...path, nearest(word, entry.subcommands)!].join(" ") : undefined);
      return {
        ok: false,
        kind: "command",
        unknown: `${binary} ${attempted}`,
        path,
        suggestion,
        message: `'${binary} ${attempted}' is not a ${binary} ${tree.version} command${suggestion ? `; use ${suggestion}` : ""}`,
      };
    }
    path.push(next);
    entry = tree.commands[path.join(" ")]!;
  }
  for (const word of words) {
    if (!word.startsWith("-") || word === "-" || word === "--" || /^-\d/.test(word)) continue;
    const flag = word.split("=")[0]!;
    if (!entry.flags.includes(flag)) {
      const suggestion = nearest(flag, entry.flags);
      return {
        ok: false,
        kind: "flag",
        unknown: flag,
        path,
        suggestion,
        message: `'${binary} ${path.join(" ")}' has no flag ${flag}${suggestion ? `; did you mean ${suggestion}?` : ""}`,
      };
    }
  }
  return { ok: true, path, entry };
}
