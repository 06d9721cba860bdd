// Reading cobra help pages into the command tree: subcommands (the longest name is followed by a
// single space), aliases, and flags with which of them take a value — including value names with
// spaces ("auto, no-reboot, …") and optional values (`[=…]`), which take no separate word.
import { describe, expect, it } from "vitest";
import { parseCobraHelp } from "../../../src/backends/command-tree.js";

const ROOT = `A CLI for accessing Omni API.

Usage:
  omnictl [command]

Available Commands:
  apply          Create or update resource using YAML file or directory as an input
  cluster        Cluster-related subcommands.
  help           Help about any command
  serviceaccount Manage service accounts

Flags:
      --context string             The context to be used.
  -h, --help                       help for omnictl
      --insecure-skip-tls-verify   Skip TLS verification for the Omni GRPC and HTTP API endpoints.
  -v, --version                    version for omnictl

Use "omnictl [command] --help" for more information about a command.
`;

const APPLY = `Apply a new configuration to a node

Usage:
  talosctl apply-config [flags]

Aliases:
  apply-config, apply

Flags:
      --cert-fingerprint strings                    list of server certificate fingeprints to accept (defaults to no check)
  -p, --config-patch stringArray                    the list of config patches to apply to the local config file before sending it to the node
      --dry-run                                     check how the config change will be applied in dry-run mode
  -f, --file string                                 the filename of the updated configuration
  -i, --insecure                                    apply the config using the insecure (encrypted with no auth) maintenance service
  -m, --mode auto, no-reboot, reboot, staged, try   apply config mode (default auto)
      --timeout duration                            the config will be rolled back after specified timeout (if try mode is selected) (default 1m0s)
      --wait string[="5m"]                          wait for the node (default "")

Global Flags:
  -n, --nodes strings              target the specified nodes
      --talosconfig string         The path to the Talos configuration file. Defaults to 'TALOSCONFIG' env variable if set,
                                   otherwise '$HOME/.talos/config' and '/var/run/secrets/talos.dev/config' in order.
`;

describe("parseCobraHelp", () => {
  it("reads every subcommand, including the longest name that cobra pads with one space", () => {
    expect(parseCobraHelp(ROOT)).toMatchObject({ summary: "A CLI for accessing Omni API.", subcommands: ["apply", "cluster", "serviceaccount"] });
  });

  it("reads long and short flags and tells booleans from flags that take a value", () => {
    const root = parseCobraHelp(ROOT);
    expect(root.flags).toEqual(["--context", "--help", "-h", "--insecure-skip-tls-verify", "--version", "-v"]);
    expect(root.booleanFlags).toEqual(["--help", "-h", "--insecure-skip-tls-verify", "--version", "-v"]);
  });

  it("reads value names with spaces, optional values, global flags and aliases", () => {
    const apply = parseCobraHelp(APPLY);
    expect(apply.aliases).toEqual(["apply"]);
    expect(apply.flags).toEqual(["--cert-fingerprint", "--config-patch", "-p", "--dry-run", "--file", "-f", "--insecure", "-i", "--mode", "-m", "--timeout", "--wait", "--nodes", "-n", "--talosconfig"]);
    // --mode takes a value although its value name has spaces; --wait's value is optional, so it never takes the next word.
    expect(apply.booleanFlags).toEqual(["--dry-run", "--insecure", "-i", "--wait"]);
    expect(apply.subcommands).toEqual([]);
  });
});
