// Omni through MCP: template-validate with the real omnictl (offline), and the omni-reconcile
// guard refusing talosctl writes to an Omni-managed cluster before anything runs.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { configFor, session, text, accept } from "../helpers/session.js";

const TEMPLATE = `kind: Cluster
name: demo
kubernetes:
  version: v1.35.2
talos:
  version: v1.12.6
patches:
  - file: patches/ntp.yaml
---
kind: ControlPlane
machines:
  - 4c4c4544-0039-3010-8048-b4c04f4b4b32
---
kind: Workers
machines:
  - 4c4c4544-0039-3010-8048-b4c04f4b4b33
---
kind: Machine
name: 4c4c4544-0039-3010-8048-b4c04f4b4b32
---
kind: Machine
name: 4c4c4544-0039-3010-8048-b4c04f4b4b33
`;

describe("template-validate (real omnictl, offline)", () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-omni-"));
  const config = configFor(dir);
  mkdirSync(join(config.workspace, "omni/patches"), { recursive: true });
  writeFileSync(join(config.workspace, "omni/patches/ntp.yaml"), "machine:\n  time:\n    servers: [time.example]\n");
  writeFileSync(join(config.workspace, "omni/cluster.yaml"), TEMPLATE);
  writeFileSync(join(config.workspace, "omni/bad.yaml"), TEMPLATE.replace("version: v1.12.6", "version: 1.12.6").replace("name: demo", 'name: "de mo"'));

  it("accepts a good template and renders its resources", async () => {
    const { call } = await session(config);
    const result = await call("template-validate", { template: "omni/cluster.yaml", render: true });
    expect(result.isError, text(result)).toBeFalsy();
    const file = (result.structuredContent as any).files[0];
    expect(file).toMatchObject({ file: "omni/cluster.yaml", valid: true });
    expect(file.resources.map((r: { type: string }) => r.type)).toContain("Clusters.omni.sidero.dev");
  });

  it("reports each documented error with its field", async () => {
    const { call } = await session(config);
    const result = await call("template-validate", { template: "omni/bad.yaml" });
    expect(result.structuredContent).toMatchObject({ valid: false });
    const messages = (result.structuredContent as any).files[0].issues.map((i: { message: string }) => i.message);
    expect(messages).toEqual(expect.arrayContaining(["name should only contain letters, digits, dashes and underscores", "version should start with 'v'"]));
  });

  it("refuses patch files outside the workspace", async () => {
    writeFileSync(join(config.workspace, "omni/escape.yaml"), TEMPLATE.replace("file: patches/ntp.yaml", "file: ../../../../etc/hosts"));
    const { call } = await session(config);
    expect(text(await call("template-validate", { template: "omni/escape.yaml" }))).toMatch(/Denied by rule workspace-paths/);
  });
});

describe("omni-reconcile guard", () => {
  it("refuses talosctl writes to an Omni-managed cluster before anything runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-omni-guard-"));
    const talosconfig = join(dir, "omni-talosconfig");
    writeFileSync(talosconfig, stringify({ context: "acme-prod", contexts: { "acme-prod": { endpoints: ["https://acme.omni.example"], auth: { siderov1: { identity: "ops@acme.example" } }, cluster: "prod" } } }));
    const config = configFor(dir, [], talosconfig);
    const { call, factory } = await session(config, { elicit: accept });
    for (const [tool, args] of [
      ["apply", { nodes: ["10.0.0.2"], file: "x.yaml" }],
      ["bootstrap", { nodes: ["10.0.0.2"] }],
      ["reboot", { nodes: ["10.0.0.2"] }],
      ["reset", { nodes: ["10.0.0.2"] }],
      ["upgrade", { nodes: ["10.0.0.2"], image: "ghcr.io/siderolabs/installer:v1.12.6" }],
    ] as const) {
      const result = await call(tool, args);
      expect(text(result), tool).toMatch(/Denied by rule omni-reconcile: this cluster is managed by Omni \(its talosconfig context uses Omni's SideroV1 auth\)[\s\S]*template-sync/);
    }
    expect(factory.inFlight()).toBe(0);
  });
});
