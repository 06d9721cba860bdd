import { describe, expect, it } from "vitest";
import { checkCommand, nearest } from "../../../src/policy/command-check.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

describe("command check", () => {
  it("resolves nested commands and stops at positionals", () => {
    const check = checkCommand("talosctl", ["--nodes", "10.0.0.2", "etcd", "snapshot", "db.snap"], TALOSCTL_TREE);
    expect(check).toMatchObject({ ok: true, path: ["etcd", "snapshot"] });
  });

  it("treats boolean flags as taking no value", () => {
    expect(checkCommand("talosctl", ["apply-config", "--insecure", "--file", "cp.yaml"], TALOSCTL_TREE)).toMatchObject({ ok: true, path: ["apply-config"] });
  });

  it("maps known inventions to the real command", () => {
    expect(checkCommand("talosctl", ["etcd", "restore"], TALOSCTL_TREE)).toMatchObject({ ok: false, kind: "command", suggestion: "talosctl bootstrap --recover-from <snapshot>" });
    expect(checkCommand("talosctl", ["ssh"], TALOSCTL_TREE)).toMatchObject({ ok: false, kind: "command" });
  });

  it("reports unknown flags with the nearest one", () => {
    expect(checkCommand("talosctl", ["health", "--wait-timout", "1m"], TALOSCTL_TREE)).toMatchObject({ ok: false, kind: "flag", unknown: "--wait-timout", suggestion: "--wait-timeout" });
  });

  it("nearest only suggests close names", () => {
    expect(nearest("snapshoot", ["members", "snapshot", "status"])).toBe("snapshot");
    expect(nearest("frobnicate", ["members", "snapshot", "status"])).toBeUndefined();
  });
});
