import { describe, expect, it } from "vitest";
import { checkArgv } from "../../../src/policy/argv-guard.js";
import { PolicyDenied } from "../../../src/server/errors.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

function denial(args: string[], tree = TALOSCTL_TREE): PolicyDenied {
  try {
    checkArgv("talosctl", args, tree);
  } catch (error) {
    return error as PolicyDenied;
  }
  throw new Error(`argv ${JSON.stringify(args)} was allowed`);
}

describe("argv-guard", () => {
  it.each([
    [["version", "--short"]],
    [["etcd", "snapshot", "/ws/backups/a.snapshot"]],
    [["apply-config", "--file=/ws/demo/cp.yaml", "--insecure", "--dry-run"]],
    [["gen", "config", "demo", "https://10.0.0.2:6443", "--output=/ws/tmp"]],
    [["bootstrap", "--recover-from=/ws/b.snap"]],
    [["upgrade", "--image=ghcr.io/siderolabs/installer:v1.12.6", "--force"]],
  ])("allows %j", (args) => {
    expect(() => checkArgv("talosctl", args, TALOSCTL_TREE)).not.toThrow();
  });

  it.each([
    [["version", "--talosconfig=/root/.talos/config"], /--talosconfig may only be set by the server/],
    [["version", "--endpoints", "10.9.9.9"], /--endpoints may only be set by the server/],
    [["version", "--nodes=10.0.0.9"], /--nodes may only be set by the server/],
    [["version", "--context", "prod"], /--context/],
    [["get", "members", "--cluster=other"], /--cluster/],
    [["version", "-n", "10.0.0.9"], /short flag/],
    [["gen", "config", "-rf", "https://x:6443"], /short flag or dash-prefixed value '-rf'/],
    [["version", "--short\n--talosconfig=/x"], /control character/],
    [["version", "--"], /bare '--'/],
  ])("denies %j under argv-guard", (args, message) => {
    const error = denial(args as string[]);
    expect(error.rule).toBe("argv-guard");
    expect(error.reason).toMatch(message as RegExp);
  });

  it("denies commands and flags the pinned CLI does not have under real-commands-only", () => {
    const command = denial(["etcd", "backup", "x"]);
    expect(command.rule).toBe("real-commands-only");
    expect(command.fix).toContain("talosctl etcd snapshot");
    const flag = denial(["upgrade", "--image=x:v1.12.6", "--yes"]);
    expect(flag.rule).toBe("real-commands-only");
    expect(flag.reason).toMatch(/no flag --yes/);
  });

  it("judges target flags per binary: omnictl --cluster names a cluster, its --omniconfig is the server's", () => {
    expect(() => checkArgv("omnictl", ["cluster", "template", "export", "--cluster=prod", "--output=/ws/t.yaml"])).not.toThrow();
    expect(() => checkArgv("omnictl", ["get", "clusters", "--omniconfig=/tmp/other"])).toThrow(/--omniconfig may only be set by the server/);
    expect(() => checkArgv("omnictl", ["get", "clusters", "--insecure-skip-tls-verify"])).toThrow(PolicyDenied);
    expect(() => checkArgv("talosctl", ["get", "members", "--cluster=prod"])).toThrow(/--cluster may only be set by the server/);
  });

  it("still applies the flag checks without a command tree", () => {
    expect(() => checkArgv("talosctl", ["version", "--talosconfig=/x"])).toThrow(PolicyDenied);
    expect(() => checkArgv("talosctl", ["anything", "--goes-without-tree"])).not.toThrow();
  });
});
