// A real MCP client spawning the built server over stdio, calling the offline tools for real with
// the pinned talosctl, including their error paths.
import { readFileSync, statSync, symlinkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

let server: StdioServer;

beforeAll(async () => {
  server = await startStdioServer();
});
afterAll(async () => {
  await server?.close();
});

const results: unknown[] = [];
const call = async (name: string, args: Record<string, unknown>) => {
  const result = await server.client.callTool({ name, arguments: args });
  results.push(result);
  return result;
};

/** Every scalar secret in a Talos secrets bundle (keys, tokens, certificates' private halves). */
function secretValues(bundle: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") {
      if (value.length >= 16 && !/^\d{4}-\d\d-\d\dT/.test(value) && key !== "crt") out.push(value);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(bundle, "");
  return out;
}

describe("offline tools over stdio", () => {
  it("initializes with short instructions and lists the offline tools", async () => {
    const instructions = server.client.getInstructions() ?? "";
    expect(instructions.length).toBeGreaterThan(200);
    expect(Buffer.byteLength(instructions)).toBeLessThan(2048);
    expect(instructions).toMatch(/no SSH/);
    const { tools } = await server.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["gen-config", "validate-config", "patch-config"]));
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    }
  });

  it("gen-config writes 0600 files and returns fingerprints, never keys", async () => {
    const result = await call("gen-config", { cluster: "demo", endpoint: "https://10.5.0.2:6443", installDisk: "/dev/vda" });
    expect(result.isError, resultText(result)).toBeFalsy();
    const out = result.structuredContent as Record<string, any>;
    expect(out.files).toEqual({
      secrets: "demo/secrets.yaml",
      controlplane: "demo/controlplane.yaml",
      worker: "demo/worker.yaml",
      talosconfig: "demo/talosconfig",
    });
    expect(out.clusterEndpoint).toBe("https://10.5.0.2:6443");
    expect(out.installDisk).toBe("/dev/vda");
    expect(out.adminCertificate.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(out.adminCertificate.notAfter)).toBeGreaterThan(Date.now());
    for (const file of Object.values(out.files) as string[]) {
      expect(statSync(join(server.workspace, file)).mode & 0o777, file).toBe(0o600);
    }
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/BEGIN|PRIVATE|LS0tLS1/);
    // The generated configs carry the installer of the pinned talosctl, not TAG or :latest.
    expect(out.installImage).toMatch(/^ghcr\.io\/siderolabs\/installer:v1\.12\.\d+$/);
  });

  it("gen-config refuses to overwrite, and reuses the secrets bundle when asked to", async () => {
    const before = readFileSync(join(server.workspace, "demo/secrets.yaml"), "utf8");
    const refused = await call("gen-config", { cluster: "demo", endpoint: "https://10.5.0.2:6443" });
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toMatch(/already has configs.*overwrite: true/s);
    const again = await call("gen-config", { cluster: "demo", endpoint: "https://10.5.0.3:6443", overwrite: true });
    expect(again.isError, resultText(again)).toBeFalsy();
    expect((again.structuredContent as any).reusedSecrets).toBe(true);
    expect(readFileSync(join(server.workspace, "demo/secrets.yaml"), "utf8")).toBe(before);
  });

  it("gen-config names the field for bad input", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ cluster: "demo2", endpoint: "10.5.0.2" }, /field 'endpoint'.*https:\/\/10\.0\.0\.2:6443/],
      [{ cluster: "my cluster", endpoint: "https://10.5.0.2:6443" }, /field 'cluster'/],
      [{ cluster: "-rf", endpoint: "https://10.5.0.2:6443" }, /field 'cluster'/],
      [{ cluster: "demo2", endpoint: "https://10.5.0.2:6443", talosconfig: "/etc/x" }, /unknown field 'talosconfig'/],
      [{ endpoint: "https://10.5.0.2:6443" }, /field 'cluster' is required/],
    ];
    for (const [args, message] of cases) {
      const result = await call("gen-config", args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(resultText(result)).toMatch(message);
    }
  });

  it("validate-config reports valid and invalid configs in talosctl's words", async () => {
    const valid = await call("validate-config", { file: "demo/controlplane.yaml" });
    expect(valid.structuredContent).toMatchObject({ valid: true, mode: "metal", errors: [] });
    writeFileSync(join(server.workspace, "broken.yaml"), "machine:\n  type: bogus\n");
    const invalid = await call("validate-config", { file: "broken.yaml" });
    expect(invalid.isError).toBeFalsy();
    expect(invalid.structuredContent).toMatchObject({ valid: false });
    expect((invalid.structuredContent as any).errors).toContain('unknown machine type "bogus"');
  });

  it("workspace paths: no escapes, no symlink tricks", async () => {
    const outside = await call("validate-config", { file: "../../etc/passwd" });
    expect(resultText(outside)).toMatch(/Denied by rule workspace-paths.*file/s);
    mkdirSync(join(server.workspace, "links"), { recursive: true });
    symlinkSync("/etc", join(server.workspace, "links/etc"));
    const viaLink = await call("validate-config", { file: "links/etc/hostname" });
    expect(resultText(viaLink)).toMatch(/Denied by rule workspace-paths/);
  });

  it("patch-config writes a new file and summarises changed paths", async () => {
    const result = await call("patch-config", {
      file: "demo/controlplane.yaml",
      patches: [{ inline: "machine:\n  network:\n    hostname: cp-1\n" }],
      output: "demo/cp-1.yaml",
    });
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ output: "demo/cp-1.yaml", changes: [{ path: "machine.network.hostname", change: "added" }] });
    const [patched] = parseAllDocuments(readFileSync(join(server.workspace, "demo/cp-1.yaml"), "utf8")).map((doc) => doc.toJS());
    expect(patched.machine.network.hostname).toBe("cp-1");
    expect(statSync(join(server.workspace, "demo/cp-1.yaml")).mode & 0o777).toBe(0o600);
  });

  it("patch-config refuses CA replacement and in-place edits", async () => {
    const ca = await call("patch-config", {
      file: "demo/controlplane.yaml",
      patches: [{ inline: "machine:\n  ca:\n    crt: Zm9v\n" }],
      output: "demo/evil.yaml",
    });
    expect(resultText(ca)).toMatch(/Denied by rule no-cert-systemd-changes.*rotate-ca/s);
    const inPlace = await call("patch-config", { file: "demo/cp-1.yaml", patches: [{ inline: "{}" }], output: "demo/cp-1.yaml" });
    expect(resultText(inPlace)).toMatch(/output must differ/);
  });

  it("writes one audit line per call, with rule ids and argv", async () => {
    const lines = server.audit();
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const gen = lines.find((line) => line.tool === "gen-config" && line.decision === "allowed")!;
    expect(gen.caller).toBe("local");
    expect(gen.transport).toBe("stdio");
    expect((gen.argv as string[][]).some((argv) => argv[0] === "talosctl" && argv[1] === "gen")).toBe(true);
    expect(lines.some((line) => line.decision === "denied" && (line.rules as string[]).includes("workspace-paths"))).toBe(true);
  });

  it("no secret of the generated bundle appears in any result, stderr line or audit line", async () => {
    const bundle = parseYaml(readFileSync(join(server.workspace, "demo/secrets.yaml"), "utf8"));
    const secrets = secretValues(bundle);
    expect(secrets.length).toBeGreaterThan(5);
    const haystacks = { results: JSON.stringify(results), stderr: server.stderr(), audit: readFileSync(server.auditLog, "utf8") };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} leaks a secret`).toBe(false);
    }
  });
});
