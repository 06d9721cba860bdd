// The command tree of a pinned CLI, read once from its recursive `--help` and cached per version.
// It is what `real-commands-only` checks proposed commands against, and what argv-guard uses to
// know which flags a command really has.
import type { CliBinary } from "../server/tool-spec.js";

export interface CommandEntry {
  /** Subcommand names (not aliases) directly below this command. */
  subcommands: string[];
  /** Aliases of this command (e.g. `gen config` is also `machineconfig gen`). */
  aliases: string[];
  /**
   * Every flag the command accepts, local and inherited: long forms with `--` (`--nodes`) and
   * short forms with `-` (`-n`).
   */
  flags: string[];
  /**
   * Flags that never take the next word as their value (booleans, and flags whose value is
   * optional: `--flag[=value]`), same notation; every other flag consumes the next word unless
   * written `--flag=value` or `-fvalue`. This tells flag values from subcommands and positionals.
   */
  booleanFlags: string[];
  /** First line of the command's help text. */
  summary: string;
}

/** Serialisable form, cached as JSON: keys are the command path joined by spaces ("" = root). */
export interface CommandTreeData {
  binary: CliBinary;
  version: string;
  commands: Record<string, CommandEntry>;
}
