// real-commands-only: command lines resolved the way cobra and pflag read them, with the tree's own
// global and per-command flag definitions.
import { describe, expect, it } from "vitest";
import { checkCommand, commandPath, nearest } from "../../../src/policy/command-check.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

const check = (line: string) => checkCommand("talosctl", line.split(" ").filter(Boolean), TALOSCTL_TREE);

describe("command check", () => {
  it.each([
    ["-n 10.5.0.2 etcd snapshot db.snapshot", ["etcd", "snapshot"]],
    ["-n 10.5.0.2 dmesg", ["dmesg"]],
    ["--nodes 10.5.0.2 --endpoints 10.5.0.2 version", ["version"]],
    ["--nodes=10.5.0.2,10.5.0.3 get members", ["get"]],
    ["-n10.5.0.2 service etcd", ["service"]],
    ["-n=10.5.0.2 dmesg", ["dmesg"]],
    ["--talosconfig ./talosconfig --context demo -e 10.5.0.2 -n 10.5.0.2 health", ["health"]],
    ["--talosconfig=./talosconfig --cluster prod etcd status", ["etcd", "status"]],
    ["-c prod -n cp-1 get machinestatus", ["get"]],
    ["etcd -n 10.5.0.2 members", ["etcd", "members"]],
    ["--nodes 10.5.0.2 --nodes 10.5.0.3 get members", ["get"]],
    ["-n 10.5.0.2 logs -fk kubelet", ["logs"]],
    ["-n 10.5.0.2 logs kubelet --tail 100", ["logs"]],
    ["apply-config --insecure -n 10.5.0.2 --file cp.yaml", ["apply-config"]],
    ["apply -n 10.5.0.2 -f cp.yaml --dry-run", ["apply-config"]],
    ["--file cp.yaml apply-config", ["apply-config"]],
    ["-n 10.5.0.2 upgrade -i ghcr.io/siderolabs/installer:v1.12.6 -m powercycle", ["upgrade"]],
    ["-n 10.5.0.2 get members -- --not-a-flag", ["get"]],
    ["gen config demo https://10.5.0.2:6443 -o _out --force", ["gen", "config"]],
  ])("resolves %s", (line, path) => {
    expect(check(line)).toMatchObject({ ok: true, path });
  });

  it("reports an unknown subcommand, mapping known inventions to the real command", () => {
    expect(check("-n 10.5.0.2 etcd backup")).toMatchObject({ ok: false, kind: "command", unknown: "talosctl etcd backup", suggestion: "talosctl etcd snapshot <path>" });
    expect(check("etcd restore db.snapshot")).toMatchObject({ ok: false, kind: "command", suggestion: "talosctl bootstrap --recover-from <snapshot>" });
    expect(check("--nodes 10.5.0.2 ssh")).toMatchObject({ ok: false, kind: "command", unknown: "talosctl ssh" });
    expect(check("etcd snapshoot db")).toMatchObject({ ok: false, kind: "command", suggestion: "talosctl etcd snapshot" });
    expect(check("frobnicate")).toMatchObject({ ok: false, kind: "command", message: "'talosctl frobnicate' is not a command of talosctl v1.12.6" });
  });

  it("reports an unknown flag of a real command as a flag, not as an unknown command", () => {
    expect(check("-n 10.5.0.2 logs kubelet --lines 100")).toMatchObject({ ok: false, kind: "flag", unknown: "--lines", path: ["logs"] });
    expect(check("health --wait-timout 1m")).toMatchObject({ ok: false, kind: "flag", unknown: "--wait-timout", suggestion: "--wait-timeout" });
    expect(check("-n 10.5.0.2 dmesg -x")).toMatchObject({ ok: false, kind: "flag", unknown: "-x" });
    expect(check("-n 10.5.0.2 logs -fz kubelet")).toMatchObject({ ok: false, kind: "flag", unknown: "-z" });
    expect(check("--nodes=10.5.0.2 version --output=json")).toMatchObject({ ok: false, kind: "flag", unknown: "--output" });
  });

  it("knows global flags exist only where the binary has them (not on offline commands)", () => {
    const result = check("-n 10.5.0.2 gen config demo https://10.5.0.2:6443");
    expect(result).toMatchObject({ ok: false, kind: "flag", unknown: "-n", path: ["gen", "config"] });
    expect(result.ok ? "" : result.message).toContain("-n belongs to other talosctl commands");
  });

  it("explains a boolean flag before the subcommand, which cobra reads as taking the subcommand as its value", () => {
    const result = check("--insecure apply-config -n 10.5.0.2 --file cp.yaml");
    expect(result).toMatchObject({ ok: false, kind: "flag", unknown: "--insecure", suggestion: "talosctl apply-config --insecure" });
    expect(result.ok ? "" : result.message).toContain("swallows 'apply-config'");
  });

  it("treats a valued flag's next word as its value and a boolean flag's next word as an argument", () => {
    expect(check("get --output yaml members")).toMatchObject({ ok: true, path: ["get"] });
    expect(check("apply-config --insecure --file cp.yaml")).toMatchObject({ ok: true, path: ["apply-config"] });
    expect(check("-n 10.5.0.2 --file cp.yaml apply-config")).toMatchObject({ ok: true, path: ["apply-config"] });
  });

  it("finds the subcommand path with and without a tree", () => {
    expect(commandPath("talosctl", ["-n", "10.5.0.2", "etcd", "snapshot", "x"], TALOSCTL_TREE)).toEqual(["etcd", "snapshot"]);
    expect(commandPath("talosctl", ["-n", "10.5.0.2", "reset", "--graceful"], undefined)).toEqual(["reset"]);
    expect(commandPath("talosctl", ["--nodes=10.5.0.2", "etcd", "leave"], undefined)).toEqual(["etcd", "leave"]);
  });

  it("nearest only suggests close names", () => {
    expect(nearest("snapshoot", ["members", "snapshot", "status"])).toBe("snapshot");
    expect(nearest("frobnicate", ["members", "snapshot", "status"])).toBeUndefined();
  });

  it("says when there is no tree for the binary", () => {
    expect(checkCommand("talosctl", ["version"], { binary: "talosctl", version: "v1.12.6", commands: {} })).toMatchObject({ ok: false, message: "no command tree for talosctl" });
  });
});
