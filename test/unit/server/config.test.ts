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

  it("state: file by default; kubernetes with its own options only; bad names refused", () => {
    expect(build([]).state).toEqual({ backend: "file", kubeconfig: undefined, namespace: undefined, leaseSeconds: 15, lockWaitMs: 60_000 });
    expect(build(["--state", "kubernetes", "--state-kubeconfig", "k.yaml", "--state-namespace", "platform"]).state).toMatchObject({ backend: "kubernetes", kubeconfig: "/srv/k.yaml", namespace: "platform" });
    expect(build(["--state", "kubernetes"]).state).toMatchObject({ backend: "kubernetes", kubeconfig: undefined, namespace: undefined });
    expect(() => build(["--state", "etcd"])).toThrow(/--state 'etcd' is not one of: file, kubernetes/);
    expect(() => build(["--state", "kubernetes", "--state-namespace", "Platform_1"])).toThrow(/--state-namespace 'Platform_1' is not a Kubernetes namespace name/);
    expect(() => build(["--state-namespace", "platform"])).toThrow(/only apply with --state kubernetes/);
    expect(() => build(["--state-kubeconfig", "k.yaml"])).toThrow(/only apply with --state kubernetes/);
    expect(build(["--transport", "http", "--state", "kubernetes", "--tokens-secret", "talos-mcp-tokens"]).http.tokensSecret).toBe("talos-mcp-tokens");
    // The chart's audit log to stdout (the cluster's log pipeline) is for HTTP only.
    expect(build(["--transport", "http", "--audit-log", "/dev/stdout"]).auditLog).toBe("/dev/stdout");
    expect(() => build(["--audit-log", "/dev/stdout"])).toThrow(/only allowed with --transport http: over stdio, stdout carries the MCP protocol/);
    expect(() => build(["--transport", "http", "--tokens-secret", "talos-mcp-tokens"])).toThrow(/--tokens-secret needs --state kubernetes/);
    expect(() => build(["--transport", "http", "--state", "kubernetes", "--tokens-secret", "t", "--tokens", "t.yaml"])).toThrow(/either --tokens or --tokens-secret/);
    expect(() => build(["--state", "kubernetes", "--tokens-secret", "t"])).toThrow(/only applies with --transport http/);
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-config-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "state: kubernetes\nstateKubernetes: { namespace: platform }\nlockLeaseSeconds: 5\nlockWaitMs: 1000\n");
    expect(build(["--config", file]).state).toMatchObject({ backend: "kubernetes", namespace: "platform", leaseSeconds: 5, lockWaitMs: 1000 });
    writeFileSync(file, "lockLeaseSeconds: 1\nstateKubernetes: { namespace: platform, token: x }\n");
    expect(() => build(["--config", file])).toThrow(/unknown key 'stateKubernetes.token'; 'lockLeaseSeconds': Too small: expected number to be >=2/);
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
