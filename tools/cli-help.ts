// cli-help: whether a talosctl/omnictl command exists in the pinned binaries, its flags and help —
// the way to check a command before proposing it (rule real-commands-only).
import { z } from "zod";
import { checkCommand } from "../src/policy/command-check.js";
import { ToolError } from "../src/server/errors.js";
import { defineTool } from "../src/server/tool-spec.js";

type CliHelp = { exists: boolean; command: string; summary?: string; subcommands: string[]; flags: string[]; suggestion?: string; help?: string };

export default defineTool({
  name: "cli-help",
  title: "talosctl / omnictl help",
  description:
    "Look up a talosctl or omnictl command in the pinned binaries (subcommands, flags, help), or the nearest real one.",
  toolset: "policy",
  risk: "read",
  minRole: "none",
  openWorld: false,
  idempotent: true,
  rules: ["real-commands-only"],
  input: z
    .object({
      binary: z.enum(["talosctl", "omnictl"]).describe("Which CLI."),
      command: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a command word like etcd or snapshot"))
        .max(6)
        .default([])
        .describe('Command path, e.g. ["etcd", "snapshot"]; empty for the top level.'),
    })
    .strict(),
  output: z.object({
    exists: z.boolean(),
    command: z.string(),
    summary: z.string().optional(),
    subcommands: z.array(z.string()),
    flags: z.array(z.string()),
    suggestion: z.string().optional(),
    help: z.string().optional(),
  }),
  async run(args, ctx): Promise<{ structured: CliHelp; text: string }> {
    const tree = await ctx.commandTree(args.binary);
    if (!tree) throw new ToolError(`${args.binary} is not installed`, { next: "run `npm run clis` (scripts/build-clis), or set TALOSCTL/OMNICTL" });
    const check = checkCommand(args.binary, args.command, tree);
    const command = [args.binary, ...args.command].join(" ");
    if (!check.ok || check.path.length !== args.command.length) {
      const suggestion = check.ok ? undefined : check.suggestion;
      return {
        structured: { exists: false, command, subcommands: [], flags: [], suggestion },
        text: `${command} does not exist in ${args.binary} ${tree.version}.${suggestion ? ` Use: ${suggestion}` : ""}`,
      };
    }
    const help = await ctx.cli.run(args.binary, [...args.command, "--help"]);
    const structured = { exists: true, command, summary: check.entry.summary, subcommands: check.entry.subcommands, flags: check.entry.flags, help: help.stdout.trim() };
    return { structured, text: help.stdout.trim() };
  },
});
