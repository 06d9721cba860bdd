// The live tools through a real MCP client against the simulator, with the real talosctl: the whole
// create-a-cluster workflow, and the guards that must stop an agent from breaking a cluster —
// checked on the simulator's own record of what reached the nodes.
import { execSync } from "node:child_process";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { ALL_TOOLS } from "../../tools/index.js";
import { accept, acceptTyped, configFor, session, text } from "../helpers/session.js";
import { addressPattern } from "../helpers/sim.js";

/** The simulated cluster's /24 (chosen at start): `${net}.11` is the node with last octet 11. */
const blockOf = (sim: SimHandle) => sim.nodes[0]!.address.split(".").slice(0, 3).join(".");

const calls = (sim: SimHandle, method: string) => sim.events().filter((e) => e.kind === "api-call" && e.method === `/machine.MachineService/${method}`);

describe("create a cluster on the simulator, through MCP", () => {
  let sim: SimHandle;
  let dir: string;
  let config: Config;
  let net: string;
  let cps: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-lifecycle-"));
    sim = await startSimulation({ scenario: "fresh-3cp-2w", dir: join(dir, "sim") });
    net = blockOf(sim);
    cps = [`${net}.11`, `${net}.12`, `${net}.13`];
    config = configFor(dir);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("gen-config → apply (maintenance) → bootstrap → health (progress) → kubeconfig → etcd-backup", async () => {
    const { call } = await session(config, { elicit: accept });
    expect((await call("gen-config", { cluster: "demo", endpoint: `https://${net}.11:6443` })).isError).toBeFalsy();
    const applied = await call("apply", { cluster: "demo", nodes: cps, file: "demo/controlplane.yaml", insecure: true });
    expect(applied.isError, text(applied)).toBeFalsy();
    expect((await call("apply", { cluster: "demo", nodes: [`${net}.21`, `${net}.22`], file: "demo/worker.yaml", insecure: true })).isError).toBeFalsy();
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(5);

    const boot = await call("bootstrap", { cluster: "demo", nodes: [`${net}.11`] });
    expect(boot.isError, text(boot)).toBeFalsy();
    expect(calls(sim, "Bootstrap")).toHaveLength(1);

    let progress = 0;
    const health = await call("health", { cluster: "demo", nodes: [`${net}.11`], waitTimeoutSeconds: 30 }, { onprogress: () => (progress += 1) });
    expect(health.structuredContent).toMatchObject({ healthy: true });
    expect(progress).toBeGreaterThan(0);

    const kubeconfig = await call("kubeconfig", { cluster: "demo", nodes: [`${net}.11`] });
    expect(kubeconfig.structuredContent).toMatchObject({ path: "demo/kubeconfig", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(statSync(join(config.workspace, "demo/kubeconfig")).mode & 0o777).toBe(0o600);
    expect(text(kubeconfig)).not.toMatch(/client-key-data|BEGIN/);

    const backup = await call("etcd-backup", { cluster: "demo", nodes: [`${net}.11`] });
    expect(backup.structuredContent).toMatchObject({ path: expect.stringMatching(/^backups\/demo-.*\.snapshot$/), bytes: expect.any(Number) });
  });

  it("a second bootstrap — same node or another control plane — is refused and never reaches a node", async () => {
    const { call } = await session(config, { elicit: accept });
    for (const node of [`${net}.11`, `${net}.12`]) {
      const refused = await call("bootstrap", { cluster: "demo", nodes: [node] });
      expect(text(refused)).toMatch(/Denied by rule bootstrap-once/);
    }
    // Even without the server's ledger, the live check of every control plane refuses it.
    writeFileSync(join(config.workspace, "demo/cluster-state.json"), JSON.stringify({ nodes: Object.fromEntries(cps.map((n) => [n, { role: "controlplane", appliedAt: "" }])), bootstraps: [] }));
    const live = await call("bootstrap", { cluster: "demo", nodes: [`${net}.12`] });
    expect(text(live)).toMatch(new RegExp(String.raw`Denied by rule bootstrap-once: etcd already runs on .*${addressPattern(`${net}.11`)}\]? \(STATE Running, HEALTH OK\).*split etcd`, "s"));
    expect(calls(sim, "Bootstrap")).toHaveLength(1);
    const twoNodes = await call("bootstrap", { cluster: "demo", nodes: cps.slice(0, 2) });
    expect(text(twoNodes)).toMatch(/field 'nodes': at most 1 node/);
  });

  it("a declined reboot does not run; reset needs the node typed back", async () => {
    const declined = await session(config, { elicit: () => ({ action: "decline" }) });
    expect(text(await declined.call("reboot", { cluster: "demo", nodes: [`${net}.21`] }))).toMatch(/Not confirmed: the user chose decline/);
    expect(calls(sim, "Reboot")).toHaveLength(0);
    const wrong = await session(config, { elicit: acceptTyped(`${net}.21`) });
    expect(text(await wrong.call("reset", { cluster: "demo", nodes: [`${net}.22`] }))).toMatch(new RegExp(`did not match "${addressPattern(`${net}.22`)}"`));
    const noElicitation = await session(config);
    expect(text(await noElicitation.call("reset", { cluster: "demo", nodes: [`${net}.22`] }))).toMatch(/needs a person's approval, and you cannot give it/);
    expect(calls(sim, "Reset")).toHaveLength(0);
    const right = await session(config, { elicit: acceptTyped(`${net}.22`) });
    expect((await right.call("reset", { cluster: "demo", nodes: [`${net}.22`] })).isError).toBeFalsy();
    expect(calls(sim, "Reset")).toHaveLength(1);
  });

  it("reads work and return structured content", async () => {
    const { call } = await session(config);
    expect((await call("version", { cluster: "demo", nodes: [`${net}.11`] })).structuredContent).toMatchObject({ nodes: [{ node: `${net}.11`, tag: "v1.12.6" }] });
    expect((await call("services", { cluster: "demo", nodes: [`${net}.11`], service: "etcd" })).structuredContent).toMatchObject({ services: [{ id: "etcd", state: "Running" }] });
    const members = await call("get", { cluster: "demo", nodes: [`${net}.11`], type: "members" });
    expect((members.structuredContent as any).resources.length).toBeGreaterThanOrEqual(4);
    // The troubleshooting types answer through the tool too, for a cluster made by the workflow.
    for (const type of ["addresses", "disks", "systemdisk", "timestatus", "staticpodstatus", "nodename"]) {
      const resources = (await call("get", { cluster: "demo", nodes: [`${net}.11`], type })).structuredContent as { resources: { spec: unknown }[] };
      expect(resources.resources.length, type).toBeGreaterThan(0);
    }
    expect((await call("etcd-status", { cluster: "demo", nodes: [`${net}.11`] })).structuredContent).toMatchObject({ members: expect.any(Array) });
    expect((await call("logs", { cluster: "demo", nodes: [`${net}.11`], service: "etcd", tail: 5 })).isError).toBeFalsy();
    const mc = await call("get", { cluster: "demo", nodes: [`${net}.11`], type: "machineconfig" });
    expect(JSON.stringify(mc.structuredContent)).not.toMatch(/LS0tLS1|BEGIN/);
    expect(text(await call("get", { cluster: "demo", nodes: [`${net}.11`], type: "machineconfig", reveal: true }))).toMatch(/reveal is disabled/);
    const revealing = await session(Object.freeze({ ...config, allowReveal: true }));
    const revealed = await revealing.call("get", { cluster: "demo", nodes: [`${net}.11`], type: "machineconfig", reveal: true });
    expect(JSON.stringify(revealed.structuredContent)).toMatch(/LS0tLS1/);
    const reader = await session(Object.freeze({ ...config, allowReveal: true }), { role: "reader" });
    expect(text(await reader.call("get", { cluster: "demo", nodes: [`${net}.11`], type: "machineconfig", reveal: true }))).toMatch(/Denied by rule role-ceiling: machineconfig is a Sensitive resource/);
  });
});

describe("guards on running clusters", () => {
  it("refuses a reboot that would lose etcd quorum, before it runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-quorum-"));
    const sim = await startSimulation({ scenario: "quorum-at-risk", dir: join(dir, "sim") });
    const net = blockOf(sim);
    try {
      const config = configFor(dir, [], sim.talosconfig);
      const { call } = await session(config, { elicit: accept });
      const refused = await call("reboot", { nodes: [`${net}.11`] });
      expect(text(refused)).toMatch(new RegExp(String.raw`Denied by rule quorum: rebooting ${addressPattern(`${net}.11`)} \(cp-1\) would leave 1 healthy etcd member\(s\) of 3; quorum needs 2`));
      expect(calls(sim, "Reboot")).toHaveLength(0);
      const worker = await call("reboot", { nodes: [`${net}.21`] });
      expect(worker.isError, text(worker)).toBeFalsy();
      const upgradeTwoMinors = await call("upgrade", { nodes: [`${net}.21`], image: "ghcr.io/siderolabs/installer:v1.14.0" });
      expect(text(upgradeTwoMinors)).toMatch(/Denied by rule one-minor-step/);
      expect(calls(sim, "Upgrade")).toHaveLength(0);
    } finally {
      await sim.stop();
    }
  });

  it("an os:reader talosconfig sees only read tools", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-reader-"));
    const sim = await startSimulation({ scenario: "running-3cp-2w", dir: join(dir, "sim") });
    const net = blockOf(sim);
    try {
      const config = configFor(dir, [], `${sim.talosconfig}.reader`);
      const { client, call } = await session(config);
      const names = (await client.listTools()).tools.map((t) => t.name);
      const specs = ALL_TOOLS.filter((t) => names.includes(t.name));
      expect(specs.every((t) => t.minRole === "none" || t.minRole === "reader")).toBe(true);
      expect(names).toEqual(expect.arrayContaining(["health", "get", "version", "etcd-status"]));
      expect(names).not.toContain("bootstrap");
      expect(text(await call("bootstrap", { nodes: [`${net}.11`] }))).toMatch(/Denied by rule role-ceiling/);
      expect((await call("version", { nodes: [`${net}.11`] })).isError).toBeFalsy();
    } finally {
      await sim.stop();
    }
  });

  it("cancelling a running health check stops talosctl; no child is left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-cancel-"));
    const sim = await startSimulation({ scenario: "fresh-3cp-2w", dir: join(dir, "sim") });
    const net = blockOf(sim);
    try {
      const config = configFor(dir);
      const { call } = await session(config, { elicit: accept });
      await call("gen-config", { cluster: "c", endpoint: `https://${net}.11:6443` });
      await call("apply", { cluster: "c", nodes: [`${net}.11`], file: "c/controlplane.yaml", insecure: true });
      const controller = new AbortController();
      const pending = call("health", { cluster: "c", nodes: [`${net}.11`], waitTimeoutSeconds: 120 }, { signal: controller.signal }).catch((error: Error) => error);
      await new Promise((r) => setTimeout(r, 1_500));
      // Only this test's talosctl (its node address): other test files run health checks in parallel.
      const healthChildren = () => execSync("ps -eo args").toString().split("\n").filter((line) => line.includes("talosctl") && line.includes(" health") && line.includes(`${net}.11`));
      expect(healthChildren().length).toBeGreaterThan(0);
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(healthChildren()).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
