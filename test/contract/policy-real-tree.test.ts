// real-commands-only against the pinned talosctl: the command tree is read here, in the test, from
// `talosctl <path> --help` recursively (the server's own reader lives in src/backends), so the lint
// is checked against what the real binary accepts rather than a hand-made fixture.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { cacheDir, discoverBinary } from "../../src/backends/binaries.js";
import type { CommandEntry, CommandTreeData } from "../../src/backends/command-tree-types.js";
import { readCommandTree } from "../../src/backends/command-tree.js";
import { checkCommand } from "../../src/policy/command-check.js";
import { lintText } from "../../src/policy/text-lint.js";

const TALOSCTL = join(homedir(), ".cache", "talos-mcp", "bin", "talosctl");

/** Lines of a cobra help section ("Available Commands:", "Flags:", …) up to the next blank line. */
function section(help: string, heading: string): string[] {
  const lines = help.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.trim() === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const NON_COMMAND_SECTIONS = new Set(["Usage:", "Aliases:", "Examples:", "Flags:", "Global Flags:", "Additional help topics:"]);

function parseCobraHelp(help: string): CommandEntry {
  // The root groups its commands under several headings ("Manage running Talos clusters:", …);
  // every heading that is not one of cobra's fixed sections lists commands.
  const commandHeadings = help.split("\n").filter((line) => /^\S.*:$/.test(line) && !NON_COMMAND_SECTIONS.has(line.trim()));
  const subcommands = commandHeadings
    .flatMap((heading) => section(help, heading))
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((name) => /^[a-z][a-z0-9-]*$/.test(name) && name !== "help" && name !== "completion");
  const aliases = section(help, "Aliases:").flatMap((line) => line.split(",").map((a) => a.trim())).slice(1);
  const flags: string[] = [];
  const booleanFlags: string[] = [];
  for (const line of [...section(help, "Flags:"), ...section(help, "Global Flags:")]) {
    const match = /^\s+(?:-(\w), )?--([\w-]+)(?: (\S+))?\s/.exec(line + " ");
    if (!match) continue;
    const [, short, long, type] = match;
    // A word right after the flag name is its value type; without one the flag is a boolean.
    const isBoolean = type === undefined || !/^[a-z][a-zA-Z0-9]*$/.test(type);
    const forms = [`--${long}`, ...(short ? [`-${short}`] : [])];
    flags.push(...forms);
    if (isBoolean) booleanFlags.push(...forms);
  }
  const summary = help.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
  return { subcommands, aliases, flags, booleanFlags, summary };
}

async function readTree(binary: string): Promise<CommandTreeData> {
  const commands: Record<string, CommandEntry> = {};
  const queue: string[][] = [[]];
  while (queue.length) {
    const batch = queue.splice(0, 4);
    await Promise.all(
      batch.map(async (path) => {
        const { stdout } = await execa(binary, [...path, "--help"], { env: { HOME: homedir() } });
        // Cobra answers `<parent> <not-a-command> --help` with the parent's help; a word taken
        // from a description would otherwise be walked forever.
        if (!stdout.includes(`talosctl ${[...path, ""].join(" ")}`.trimEnd())) return;
        const entry = parseCobraHelp(stdout);
        commands[path.join(" ")] = entry;
        for (const sub of entry.subcommands) queue.push([...path, sub]);
      }),
    );
  }
  const { stdout: version } = await execa(binary, ["version", "--client", "--short"]);
  return { binary: "talosctl", version: /v\d+\.\d+\.\d+/.exec(version)?.[0] ?? "unknown", commands };
}

describe.runIf(existsSync(TALOSCTL))("policy-check against the real talosctl command tree", () => {
  let tree: CommandTreeData;
  beforeAll(async () => {
    tree = await readTree(TALOSCTL);
  }, 120_000);

  it("reads the tree of the pinned version", () => {
    expect(tree.version).toBe("v1.12.6");
    expect(tree.commands["etcd"]?.subcommands).toContain("snapshot");
    expect(tree.commands["etcd"]?.subcommands).not.toContain("backup");
    expect(tree.commands["apply-config"]?.aliases).toContain("apply");
  });

  it("flags the invented `talosctl etcd backup` with `talosctl etcd snapshot` as the fix", () => {
    const findings = lintText("$ talosctl etcd backup --nodes 10.0.0.2", { talosctl: tree });
    const finding = findings.find((f) => f.rule === "real-commands-only");
    expect(finding?.severity).toBe("error");
    expect(finding?.fix).toContain("talosctl etcd snapshot");
  });

  it("flags `talosctl etcd restore` with bootstrap --recover-from as the fix", () => {
    const findings = lintText("$ talosctl etcd restore db.snap", { talosctl: tree });
    expect(findings.find((f) => f.rule === "real-commands-only")?.fix).toContain("bootstrap --recover-from");
  });

  it.each([
    "$ talosctl -n 10.5.0.2 etcd snapshot db.snapshot",
    "$ talosctl -n 10.5.0.2 dmesg",
    "$ talosctl --nodes=10.5.0.2 --endpoints 10.5.0.2 --talosconfig ./talosconfig --context demo version",
    "$ talosctl -n10.5.0.2 logs kubelet --tail 50",
    "$ talosctl etcd -n 10.5.0.2 members",
    "$ talosctl etcd snapshot x.db",
    "$ talosctl etcd snapshot x.db --nodes 10.0.0.2",
    "$ talosctl apply-config --insecure --nodes 10.0.0.2 --file cp.yaml",
    "$ talosctl apply --nodes 10.0.0.2 --file cp.yaml --dry-run",
    "$ talosctl gen config demo https://10.0.0.2:6443 --output _out",
    "$ talosctl bootstrap --recover-from db.snap --nodes 10.0.0.2",
    "$ talosctl upgrade-k8s --to 1.35.2 --dry-run --nodes 10.0.0.2",
  ])("leaves the real command %s clean", (text) => {
    expect(lintText(text, { talosctl: tree })).toEqual([]);
  });

  it("flags a flag the real command lacks, naming the nearest real flag", () => {
    const findings = lintText("$ talosctl apply-config --nodes 10.0.0.2 --files cp.yaml", { talosctl: tree });
    const finding = findings.find((f) => f.rule === "real-commands-only");
    expect(finding?.message).toContain("--files");
    expect(finding?.fix).toContain("--file");
  });
});

// The server's own reader (src/backends) against what the binaries do: for every flag of a sample of
// commands, `<bin> <path> --help <flag>` shows the help when the flag takes no value and fails with
// "needs an argument" when it does — pflag's own answer, without running the command. And command
// lines the binary refuses for an unknown flag are exactly those checkCommand reports as flags.
const OMNICTL = join(homedir(), ".cache", "talos-mcp", "bin", "omnictl");

describe.runIf(existsSync(TALOSCTL) && existsSync(OMNICTL))("the server's command tree agrees with the pinned binaries", () => {
  const trees: Partial<Record<"talosctl" | "omnictl", CommandTreeData>> = {};
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), "talos-mcp-tree-"));
    for (const binary of ["talosctl", "omnictl"] as const) {
      const info = await discoverBinary(binary);
      trees[binary] = await readCommandTree(info!, { cacheDir: cacheDir() });
    }
  }, 180_000);

  const probe = (binary: "talosctl" | "omnictl", args: string[]) =>
    execa(join(homedir(), ".cache", "talos-mcp", "bin", binary), args, { reject: false, cwd, stdin: "ignore", env: { HOME: cwd, PATH: process.env.PATH ?? "" }, extendEnv: false });

  // Value names with spaces (--mode, --wipe-mode), ints, durations, booleans defaulting to true,
  // shorthand clusters; the global connection flags come with every talosctl live command.
  it.each([
    ["talosctl", "apply-config"],
    ["talosctl", "reset"],
    ["talosctl", "logs"],
    ["talosctl", "health"],
    ["omnictl", ""],
    ["omnictl", "cluster template sync"],
  ] as const)("%s %s: which flags take a value", async (binary, path) => {
    const entry = trees[binary]!.commands[path]!;
    expect(entry.flags.length).toBeGreaterThan(0);
    const takesNoValue: string[] = [];
    for (let i = 0; i < entry.flags.length; i += 4) {
      const batch = entry.flags.slice(i, i + 4);
      const results = await Promise.all(batch.map((flag) => probe(binary, [...(path ? path.split(" ") : []), "--help", flag])));
      results.forEach((result, j) => {
        const output = `${result.stdout}\n${result.stderr}`;
        if (result.exitCode === 0) takesNoValue.push(batch[j]!);
        else expect(output, `${binary} ${path} ${batch[j]}`).toMatch(/needs an argument/);
      });
    }
    expect(takesNoValue.sort()).toEqual([...entry.booleanFlags].sort());
  }, 120_000);

  it.each([
    ["talosctl", "-n 10.5.0.2 dmesg"],
    ["talosctl", "--nodes=10.5.0.2 etcd snapshot db"],
    ["talosctl", "-n10.5.0.2 logs -fk kubelet"],
    ["talosctl", "etcd -n 10.5.0.2 members"],
    ["talosctl", "-n 10.5.0.2 apply-config --file cp.yaml --mode no-reboot"],
    ["talosctl", "-n 10.5.0.2 logs kubelet --lines 5"],
    ["talosctl", "-n 10.5.0.2 gen config demo https://10.5.0.2:6443"],
    ["talosctl", "--insecure apply-config --file cp.yaml"],
    ["talosctl", "-n 10.5.0.2 reboot --drain"],
    ["talosctl", "-n 10.5.0.2 dmesg -x"],
    ["omnictl", "--context prod get machines"],
    ["omnictl", "cluster template sync -f cluster.yaml --prune"],
    ["omnictl", "kubeconfig -c prod --merge=false"],
  ] as const)("%s %s: refused for a flag by the binary exactly when checkCommand says so", async (binary, line) => {
    const words = line.split(" ");
    const result = await probe(binary, [...words, "--help"]);
    const refusedForFlag = /unknown (?:shorthand )?flag/.test(`${result.stdout}\n${result.stderr}`);
    const check = checkCommand(binary, words, trees[binary]!);
    expect(!check.ok && check.kind === "flag", `${binary} ${line}`).toBe(refusedForFlag);
  }, 60_000);
});
