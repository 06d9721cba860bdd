import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError, parseServeFlags } from "../../../src/config.js";

const knownTools = ["gen-config", "health", "bootstrap"];
const build = (argv: string[], env: NodeJS.ProcessEnv = {}) => buildConfig({ flags: parseServeFlags(argv), env, cwd: "/srv", knownTools });

describe("config", () => {
  it("has safe defaults", () => {
    const config = build([], { HOME: "/home/u" });
    expect(config).toMatchObject({ transport: "stdio", workspace: "/srv/talos-workspace", role: "admin", readOnly: false, consent: "elicit" });
    expect(config.http).toMatchObject({ host: "127.0.0.1", port: 8080, insecureNoAuth: false, allowedOrigins: [] });
    expect(Object.isFrozen(config) && Object.isFrozen(config.http)).toBe(true);
  });

  it("rejects unknown flags, values and names, naming them", () => {
    expect(() => parseServeFlags(["--rol", "admin"])).toThrow(/--rol/);
    expect(() => parseServeFlags(["extra"])).toThrow(/unexpected argument 'extra'/);
    expect(() => build(["--role", "root"])).toThrow(/--role 'root' is not one of: reader, operator, admin/);
    expect(() => build(["--toolsets", "talos,kubectl"])).toThrow(/unknown toolset 'kubectl'/);
    expect(() => build(["--tools", "health,ssh"])).toThrow(/--tools: unknown tool 'ssh'/);
    expect(() => build(["--disable-tools", "bootstrapp"])).toThrow(/--disable-tools: unknown tool 'bootstrapp'/);
    expect(() => build(["--port", "99999"])).toThrow(ConfigError);
  });

  it("allows consent auto only with the simulator", () => {
    expect(() => build(["--consent", "auto"])).toThrow(/only allowed with --sim/);
    expect(build(["--consent", "auto", "--sim", "single-node"]).consent).toBe("auto");
  });

  it("a person confirms by default: elicit over stdio, approve over HTTP; plan only when chosen", () => {
    expect(build([]).consent).toBe("elicit");
    expect(build(["--transport", "http"]).consent).toBe("approve");
    expect(build(["--transport", "http", "--consent", "elicit"]).consent).toBe("elicit");
    expect(build(["--consent", "plan"]).consent).toBe("plan");
    expect(build(["--consent", "approve"]).consent).toBe("approve");
    expect(() => build(["--consent", "yes"])).toThrow(/--consent 'yes' is not one of: elicit, approve, plan, deny, auto/);
    expect(build([]).planTtlMs).toBe(15 * 60_000);
  });

  it("keeps the state directory (pending approvals) out of the workspace and the workspace out of it", () => {
    expect(() => build(["--workspace", "/srv/ws", "--state-dir", "/srv/ws/state"])).toThrow(/must not contain one another/);
    expect(() => build(["--workspace", "/srv/state/ws", "--state-dir", "/srv/state"])).toThrow(/must not contain one another/);
    expect(() => build(["--workspace", "/srv/x", "--state-dir", "/srv/x"])).toThrow(/must not contain one another/);
    expect(build(["--workspace", "/srv/ws", "--state-dir", "/srv/ws-state"]).stateDir).toBe("/srv/ws-state");
  });

  it("reads a YAML config file; flags win; unknown keys fail", () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-config-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "role: reader\nreadOnly: true\nhttp:\n  port: 9000\n  allowedOrigins: [https://ui.example]\n");
    const config = build(["--config", file, "--role", "operator"]);
    expect(config).toMatchObject({ role: "operator", readOnly: true });
    expect(config.http.port).toBe(9000);
    expect(config.http.allowedOrigins).toEqual(["https://ui.example"]);
    writeFileSync(file, "role: reader\nhttp:\n  prot: 1\nbogus: true\n");
    expect(() => build(["--config", file])).toThrow(/unknown key 'http.prot'.*unknown key 'bogus'|unknown key 'bogus'.*unknown key 'http.prot'/);
    writeFileSync(file, "role: superuser\n");
    expect(() => build(["--config", file])).toThrow(/'role'/);
  });

  it("takes binaries from the environment", () => {
    expect(build([], { TALOSCTL: "/opt/talosctl" }).binaries).toEqual({ talosctl: "/opt/talosctl", omnictl: undefined });
  });
});
