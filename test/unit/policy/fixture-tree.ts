// A small command tree in the shape the server reads from `talosctl --help` (enough for tests).
import type { CommandTreeData } from "../../../src/backends/command-tree-types.js";

const GLOBAL = ["--talosconfig", "--nodes", "-n", "--endpoints", "-e", "--context", "--cluster", "-c", "--help", "-h"];
const entry = (subcommands: string[], flags: string[] = [], booleanFlags: string[] = [], aliases: string[] = []) => ({
  subcommands,
  aliases,
  flags: [...flags, ...GLOBAL],
  booleanFlags: [...booleanFlags, "--help", "-h"],
  summary: "",
});

export const TALOSCTL_TREE: CommandTreeData = {
  binary: "talosctl",
  version: "v1.12.6",
  commands: {
    "": entry(["apply-config", "bootstrap", "etcd", "gen", "get", "health", "reset", "service", "upgrade", "version"]),
    "apply-config": entry([], ["--file", "-f", "--insecure", "-i", "--mode", "-m", "--dry-run"], ["--insecure", "-i", "--dry-run"]),
    bootstrap: entry([], ["--recover-from", "--recover-skip-hash-check"], ["--recover-skip-hash-check"]),
    etcd: entry(["members", "snapshot", "status"]),
    "etcd members": entry([]),
    "etcd snapshot": entry([]),
    "etcd status": entry([]),
    gen: entry(["config", "secrets"]),
    "gen config": entry([], ["--install-disk", "--output", "-o", "--with-secrets"]),
    "gen secrets": entry([], ["--output-file", "-o"]),
    get: entry([], ["--output", "-o", "--namespace", "--watch", "-w"], ["--watch", "-w"]),
    health: entry([], ["--wait-timeout", "--server"], ["--server"]),
    reset: entry([], ["--graceful", "--reboot", "--wipe-mode"], ["--graceful", "--reboot"]),
    service: entry([]),
    upgrade: entry([], ["--image", "-i", "--force", "-f", "--stage", "-s"], ["--force", "-f", "--stage", "-s"]),
    version: entry([], ["--short", "--client"], ["--short", "--client"]),
  },
};
