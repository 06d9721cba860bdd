// real-commands-only: resolves a command line's words against the pinned CLI's command tree, with
// the CLI's own global and per-command flag definitions (which flags exist, which take a value).
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

/**
 * Whether a flag word takes the next word as its value while cobra looks for the subcommand
 * (cobra's stripFlags): `--flag` and `-f` do unless this level knows them as booleans — an
 * unknown flag is assumed to take a value, which is how `talosctl -n 10.5.0.2 dmesg` reaches
 * `dmesg` although the root command has no -n. `--flag=v`, `-fv` and `-abc` never do.
 */
function consumesNextWhileWalking(word: string, entry: CommandEntry): boolean {
  if (word.includes("=")) return false;
  if (word.startsWith("--")) return !entry.booleanFlags.includes(word);
  return word.length === 2 && !entry.booleanFlags.includes(word);
}

type FlagProblem = { unknown: string; message: string; suggestion?: string };

/** Reads the words after the command path the way pflag does for the final command; reports the first flag it lacks. */
function parseFlags(binary: CliBinary, tree: CommandTreeData, path: string[], words: readonly string[], entry: CommandEntry): FlagProblem | undefined {
  const command = [binary, ...path].join(" ");
  const unknownFlag = (flag: string): FlagProblem => {
    // Single letters are all close to each other: suggest only long flags.
    const suggestion = flag.startsWith("--") ? nearest(flag, entry.flags.filter((f) => f.startsWith("--"))) : undefined;
    const elsewhere = !suggestion && Object.values(tree.commands).some((other) => other.flags.includes(flag)) ? ` (${flag} belongs to other ${binary} commands)` : "";
    return { unknown: flag, suggestion, message: `'${command}' has no flag ${flag}${suggestion ? `; did you mean ${suggestion}?` : elsewhere}` };
  };
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === "--") return undefined;
    if (!word.startsWith("-") || word === "-") continue;
    if (word.startsWith("--")) {
      const flag = word.split("=")[0]!;
      if (!entry.flags.includes(flag)) return unknownFlag(flag);
      if (!word.includes("=") && !entry.booleanFlags.includes(flag)) index += 1;
      continue;
    }
    // A cluster of shorthands: booleans first, then at most one that takes the rest (or the next word) as its value.
    const shorthands = word.slice(1);
    for (let at = 0; at < shorthands.length; at += 1) {
      const flag = `-${shorthands[at]}`;
      if (!entry.flags.includes(flag)) return unknownFlag(flag);
      if (shorthands[at + 1] === "=" || entry.booleanFlags.includes(flag)) {
        if (shorthands[at + 1] === "=") break;
        continue;
      }
      if (at === shorthands.length - 1) index += 1;
      break;
    }
  }
  return undefined;
}

/**
 * Resolves a command line (the words after the binary) against the pinned CLI's command tree,
 * the way cobra and pflag read it: flags may come before, between and after the subcommand words,
 * each level reads them with its own flag definitions, and the final command must know every flag.
 */
export function checkCommand(binary: CliBinary, words: readonly string[], tree: CommandTreeData): CommandCheck {
  const path: string[] = [];
  let entry = tree.commands[""];
  if (!entry) return { ok: false, kind: "command", unknown: binary, path, message: `no command tree for ${binary}` };
  const rest: string[] = [];
  let index = 0;
  for (; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === "--") break;
    if (word.startsWith("-") && word !== "-") {
      rest.push(word);
      if (consumesNextWhileWalking(word, entry) && index + 1 < words.length) {
        const value = words[index + 1]!;
        const swallowed = entry.flags.includes(word) ? undefined : aliasTarget(tree, path, value);
        if (swallowed && tree.commands[[...path, swallowed].join(" ")]?.flags.includes(word)) {
          const command = [binary, ...path].join(" ");
          return {
            ok: false,
            kind: "flag",
            unknown: word,
            path,
            suggestion: `${command} ${value} ${word}`,
            message: `'${command}' has no flag ${word}, so it reads ${word} as taking a value and swallows '${value}'; put ${word} after '${value}'`,
          };
        }
        rest.push(words[(index += 1)]!);
      }
      continue;
    }
    if (entry.subcommands.length === 0) break;
    const next = aliasTarget(tree, path, word);
    if (!next) {
      const attempted = [...path, word].join(" ");
      const invented = Object.entries(KNOWN_INVENTIONS[binary] ?? {}).find(([key]) => attempted === key || attempted.startsWith(`${key} `));
      const near = nearest(word, entry.subcommands);
      const suggestion = invented?.[1] ?? (near ? [binary, ...path, near].join(" ") : undefined);
      return {
        ok: false,
        kind: "command",
        unknown: `${binary} ${attempted}`,
        path,
        suggestion,
        message: `'${binary} ${attempted}' is not a command of ${binary} ${tree.version}${suggestion ? `; use ${suggestion}` : ""}`,
      };
    }
    path.push(next);
    entry = tree.commands[path.join(" ")]!;
  }
  const problem = parseFlags(binary, tree, path, [...rest, ...words.slice(index)], entry);
  if (problem) return { ok: false, kind: "flag", path, ...problem };
  return { ok: true, path, entry };
}

/**
 * The subcommand path of a command line (["etcd", "snapshot"]): from the command tree when there is
 * one, else every word that is not a flag or a flag's value (enough to tell reset from get).
 */
export function commandPath(binary: CliBinary, words: readonly string[], tree: CommandTreeData | undefined): string[] {
  if (tree) return checkCommand(binary, words, tree).path;
  const path: string[] = [];
  const noFlags: CommandEntry = { subcommands: [], aliases: [], flags: [], booleanFlags: [], summary: "" };
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === "--") break;
    if (word.startsWith("-")) {
      if (consumesNextWhileWalking(word, noFlags)) index += 1;
    } else path.push(word);
  }
  return path;
}
