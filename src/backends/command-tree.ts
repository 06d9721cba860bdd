// Reads a CLI's command tree once per version by walking `<bin> <path…> --help` (cobra output),
// and caches it as JSON under <cacheDir>/command-tree/<binary>-<version>.v<format>.json. This is what
// real-commands-only, argv-guard and policy-check check commands and flags against: the binary's
// own subcommands, aliases, flags, and which flags take a value.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";
import type { BinaryInfo } from "./binaries.js";
import type { CommandEntry, CommandTreeData } from "./command-tree-types.js";

const NOT_COMMAND_SECTIONS = new Set(["Usage", "Aliases", "Examples", "Example", "Flags", "Global Flags", "Additional help topics"]);

/** Bumped whenever parseCobraHelp reads more or differently, so a tree cached by an older reader is re-read. */
export const TREE_FORMAT = 2;

/**
 * One pflag usage line: `  -n, --nodes strings   target the specified nodes`. The value name
 * (absent for booleans) runs up to the two or more spaces pflag pads with before the usage text,
 * and can hold spaces and punctuation (`--mode auto, no-reboot, reboot, staged, try`).
 * `--flag string[="x"]` has an optional value: like a boolean, it never takes the next word.
 */
const FLAG_LINE = /^\s+(?:(-[A-Za-z0-9]), )?(--[A-Za-z0-9][\w.-]*)(?: (\S(?:.*?\S)?))?(?:\s{2,}|$)/;

/** Parses one cobra `--help` page. */
export function parseCobraHelp(text: string): CommandEntry {
  const lines = text.split("\n");
  const summary = lines.find((line) => line.trim() !== "")?.trim() ?? "";
  const aliases: string[] = [];
  const subcommands: string[] = [];
  const flags: string[] = [];
  const booleanFlags: string[] = [];
  let section: string | undefined;
  for (const line of lines) {
    const heading = /^([A-Z][A-Za-z ,/-]*):\s*$/.exec(line);
    if (heading) {
      section = heading[1];
      continue;
    }
    if (line.trim() === "") {
      if (section && section !== "Flags" && section !== "Global Flags") section = undefined;
      continue;
    }
    if (!section) continue;
    if (section === "Aliases") {
      aliases.push(...line.split(",").map((name) => name.trim()).filter(Boolean));
    } else if (section === "Flags" || section === "Global Flags") {
      const match = FLAG_LINE.exec(line);
      if (!match) continue;
      const [, short, long, valueName] = match;
      const forms = short ? [long!, short] : [long!];
      flags.push(...forms);
      if (!valueName || valueName.includes("[=")) booleanFlags.push(...forms);
    } else if (!NOT_COMMAND_SECTIONS.has(section)) {
      // cobra pads names to the longest one plus a single space, so the longest name in a list is
      // followed by one space only.
      const match = /^\s{2}([a-z0-9][\w-]*)(?:\s|$)/.exec(line);
      if (match && match[1] !== "help") subcommands.push(match[1]!);
    }
  }
  // cobra lists the command's own name first under Aliases.
  return { summary, aliases: aliases.slice(1), subcommands, flags: [...new Set(flags)], booleanFlags: [...new Set(booleanFlags)] };
}

/** Whether a help page is the one of `path` (cobra answers an unknown word with the parent's help). */
function isHelpOf(text: string, binary: string, path: string[], aliases: string[]): boolean {
  const usage = /^Usage:\n\s+(.*)$/m.exec(text)?.[1] ?? "";
  const parent = [binary, ...path.slice(0, -1)].join(" ");
  const names = [path.at(-1), ...aliases];
  return path.length === 0 || names.some((name) => usage === `${parent} ${name}` || usage.startsWith(`${parent} ${name} `));
}

async function walk(info: BinaryInfo): Promise<CommandTreeData> {
  const { execa } = await import("execa");
  const home = await mkdtemp(join(tmpdir(), "talos-mcp-help-"));
  const commands: Record<string, CommandEntry> = {};
  try {
    const queue: string[][] = [[]];
    const help = async (path: string[]) => {
      const result = await execa(info.path, [...path, "--help"], {
        reject: false,
        stdin: "ignore",
        timeout: 20_000,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1" },
      });
      const entry = parseCobraHelp(result.stdout);
      if (!isHelpOf(result.stdout, info.binary, path, entry.aliases)) return;
      commands[path.join(" ")] = entry;
      for (const sub of entry.subcommands) queue.push([...path, sub]);
    };
    while (queue.length > 0) {
      const batch = queue.splice(0, 4);
      await Promise.all(batch.map(help));
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  return { binary: info.binary, version: info.version, commands };
}

export async function readCommandTree(info: BinaryInfo, options: { cacheDir: string }): Promise<CommandTreeData> {
  const file = join(options.cacheDir, "command-tree", `${info.binary}-${info.version}.v${TREE_FORMAT}.json`);
  try {
    const cached = JSON.parse(await readFile(file, "utf8")) as CommandTreeData;
    if (cached.binary === info.binary && cached.version === info.version && cached.commands[""]) return cached;
  } catch {
    // Not cached yet (or unreadable): walk and rewrite it.
  }
  const tree = await walk(info);
  // A version reported as "unknown" could be any build: do not cache it under a shared name.
  if (info.version !== "unknown") await writeFileAtomic(file, `${JSON.stringify(tree)}\n`, 0o644);
  return tree;
}
