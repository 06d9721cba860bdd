// Contract: the troubleshooting faults of a scenario file, as an agent finds them with the
// unmodified talosctl — a crash-looping service, a full EPHEMERAL volume, a link without carrier,
// a clock that cannot sync, an extension lost in an upgrade — plus KubeSpan peers.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf, addressPattern, secondAddressOf } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

const SCENARIO = `name: troubleshooting
stage: running
kubespan: true
extensions: [siderolabs/iscsi-tools, siderolabs/util-linux-tools]
nodes:
  - { name: cp-1, address: 127.0.50.11, role: controlplane, faults: { crashLoop: etcd } }
  - { name: cp-2, address: 127.0.50.12, role: controlplane, faults: { timeNotSynced: true, linkDown: eth1 } }
  - { name: cp-3, address: 127.0.50.13, role: controlplane, faults: { ephemeralFull: true } }
  - { name: w-1, address: 127.0.50.21, role: worker, faults: { crashLoop: kubelet, missingExtensions: [siderolabs/iscsi-tools] } }
  - { name: w-2, address: 127.0.50.22, role: worker, faults: { unreachable: true } }
  - { name: w-3, address: 127.0.50.23, role: worker }
`;

type Item = { node: string; metadata: { id: string }; spec: any };

describe("faults that show through the reads", () => {
  let sim: SimHandle;
  let dir: string;
  const at = (name: string) => addressOf(sim, name);
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig, cwd: dir });
  const get = async (type: string, node: string) => {
    const result = await run(["get", type, "--output", "json", "--nodes", node]);
    expect(result.code, result.stderr).toBe(0);
    return parseJsonStream(result.stdout) as Item[];
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-fault-reads-"));
    writeFileSync(join(dir, "scenario.yaml"), SCENARIO);
    sim = await startSimulation({ scenario: join(dir, "scenario.yaml"), dir: join(dir, "sim") });
  });
  afterAll(async () => sim?.stop());

  it("crashLoop kubelet: restarts in `service`, the cause in `logs`, the node not ready", async () => {
    const service = await run(["service", "kubelet", "--nodes", at("w-1")]);
    expect(service.stdout).toMatch(/STATE\s+Waiting\n.*HEALTH\s+Fail/);
    const restarts = service.stdout.match(/\[Waiting\]: Error running Containerd\(kubelet\), going to restart forever: task "kubelet" failed: exit code 1/g) ?? [];
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect((await run(["logs", "kubelet", "--nodes", at("w-1")])).stdout).toMatch(/"command failed" err="failed to parse kubelet flag: unknown flag: --feature-gate"/);
    expect((await run(["get", "mc", "--output", "yaml", "--nodes", at("w-1")])).stdout).toMatch(/extraArgs:\s+feature-gate: GracefulNodeShutdown=true/);
    const [status] = await get("machinestatus", at("w-1"));
    expect(status!.spec).toMatchObject({ stage: "running", status: { ready: false, unmetConditions: expect.arrayContaining([{ name: "services", reason: "kubelet not running" }, { name: "nodeReady", reason: 'node "w-1" is not ready' }]) } });
    expect((await run(["containers", "--nodes", at("w-1")])).stdout).toMatch(/system\s+kubelet\s+\S+\s+0\s+STOPPED/);
  });

  it("crashLoop etcd: the member stays in the cluster, its service restarts, its log panics", async () => {
    expect((await run(["service", "etcd", "--nodes", at("cp-1")])).stdout).toMatch(/STATE\s+Waiting[\s\S]*failed to recover v3 backend from snapshot/);
    expect((await run(["logs", "etcd", "--nodes", at("cp-1")])).stdout).toMatch(/"level":"panic"/);
    const members = await run(["etcd", "members", "--nodes", at("cp-3")]);
    expect(members.stdout).toMatch(/\scp-1\s+https:\/\//);
    const [status] = await get("machinestatus", at("cp-1"));
    expect(status!.spec.status.unmetConditions).toContainEqual({ name: "services", reason: "etcd not running" });
  });

  it("ephemeralFull: /var full in mounts, a pod log behind it in usage, an etcd NOSPACE alarm, write errors in the etcd log", async () => {
    const cp3 = at("cp-3");
    expect((await run(["mounts", "--nodes", cp3])).stdout).toMatch(new RegExp(`${addressPattern(cp3)}\\s+/dev/sda4\\s+([\\d.]+)\\s+\\1\\s+0\\.00\\s+100\\.00%\\s+/var\\n`));
    const usage = await run(["usage", "/var/log/pods", "--depth", "2", "--nodes", cp3]);
    const sizes = [...usage.stdout.matchAll(/\s(\d+)\s+(default_debug-logger-\S+|kube-system_\S+)\n/g)].map(([, size, name]) => [name!, Number(size)] as const);
    const biggest = sizes.sort((a, b) => b[1] - a[1])[0]!;
    expect(biggest[0]).toMatch(/^default_debug-logger-/);
    expect(biggest[1]).toBeGreaterThan(50e9);
    const memberId = /([0-9a-f]{16})\s+cp-3\s/.exec((await run(["etcd", "members", "--nodes", cp3])).stdout)![1];
    // etcd's alarms are the cluster's: another member lists cp-3's.
    const alarms = await run(["etcd", "alarm", "list", "--nodes", at("cp-2")]);
    expect(alarms.stdout).toMatch(new RegExp(`^NODE\\s+MEMBER\\s+ALARM\\n${addressPattern(at("cp-2"))}\\s+${memberId}\\s+NOSPACE$`));
    expect((await run(["logs", "etcd", "--nodes", cp3])).stdout).toMatch(/no space left on device/);
    // VolumeStatus has no usage fields in Talos v1.12: the volume itself is fine.
    expect((await get("volumestatus", cp3)).find((v) => v.metadata.id === "EPHEMERAL")!.spec).toMatchObject({ phase: "ready", location: "/dev/sda4" });
  });

  it("linkDown eth1: the link without carrier, its address gone from node addresses and members, unreachable through it", async () => {
    const cp2 = at("cp-2");
    expect((await run(["get", "links", "--nodes", cp2])).stdout).toMatch(/LinkStatus\s+eth1\s+1\s+ether\s+52:54:00(:[0-9a-f]{2}){3}\s+down\s+false/);
    const current = (await get("nodeaddresses", cp2)).find((a) => a.metadata.id === "current")!;
    expect(current.spec.addresses).toEqual([`${cp2}/24`, expect.stringMatching(/^fd/)]);
    const member = (await get("members", at("cp-3"))).find((m) => m.metadata.id === "cp-2")!;
    expect(member.spec.addresses).toEqual([cp2]);
    expect((await run(["dmesg", "--nodes", cp2])).stdout).toMatch(/eth1: Link is Down/);
    const throughEth1 = await run(["version", "--nodes", secondAddressOf(sim, "cp-2")]);
    expect(throughEth1.stderr).toMatch(/no route to host/);
  });

  it("timeNotSynced: timestatus, `time` failing to reach NTP, the machine not ready, machined's log", async () => {
    const cp2 = at("cp-2");
    expect((await run(["get", "timestatus", "--nodes", cp2])).stdout).toMatch(/TimeStatus\s+node\s+1\s+false/);
    const time = await run(["time", "--nodes", cp2]);
    expect(time.code).toBe(1);
    expect(time.stderr).toMatch(/rpc error: code = Unknown desc = error querying NTP server "time\.cloudflare\.com": read udp .*: i\/o timeout/);
    const [status] = await get("machinestatus", cp2);
    expect(status!.spec.status.unmetConditions).toContainEqual({ name: "time", reason: "time is not synced" });
    expect((await run(["dmesg", "--nodes", cp2])).stdout).toMatch(/\[talos\] time query error with server "time\.cloudflare\.com"/);
  });

  it("missingExtensions: the node lacks what the schematic has, and a plain installer drops the rest", async () => {
    const names = async (node: string) => (await get("extensions", node)).map((e) => e.spec.metadata.name);
    expect(await names(at("cp-3"))).toEqual(["iscsi-tools", "util-linux-tools", "schematic"]);
    expect(await names(at("w-1"))).toEqual(["util-linux-tools", "schematic"]);
    const schematics = await Promise.all([at("cp-3"), at("w-1")].map(async (node) => (await get("extensions", node)).find((e) => e.spec.metadata.name === "schematic")!.spec.metadata.version));
    expect(schematics[0]).not.toBe(schematics[1]);
    expect((await run(["get", "mc", "--output", "yaml", "--nodes", at("w-3")])).stdout).toContain(`image: factory.talos.dev/metal-installer/${schematics[0]}:v1.12.6`);
    expect((await run(["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.12.7", "--wait=false", "--nodes", at("w-3")])).code).toBe(0);
    expect(await get("extensions", at("w-3"))).toEqual([]);
  });

  it("KubeSpan: a peer per other node, down for the one that cannot be reached", async () => {
    const table = await run(["get", "kubespanpeerstatuses", "--nodes", at("cp-3")]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION\s+LABEL\s+ENDPOINT\s+STATE\s+RX\s+TX$/);
    const peers = await get("kubespanpeerstatuses", at("cp-3"));
    expect(Object.fromEntries(peers.map((p) => [p.spec.label, p.spec.state]))).toEqual({ "cp-1": "up", "cp-2": "up", "w-1": "up", "w-2": "down", "w-3": "up" });
    expect(peers.find((p) => p.spec.label === "w-1")!.spec.endpoint).toBe(`${at("w-1")}:51820`);
    const [identity] = await get("kubespanidentities", at("w-1"));
    expect(peers.find((p) => p.spec.label === "w-1")!.metadata.id).toBe(identity!.spec.publicKey);
  });
});

describe("extensions of the boot media, lost by an install from a plain installer image", () => {
  let sim: SimHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-install-ext-"));
    writeFileSync(join(dir, "scenario.yaml"), "name: one\nstage: maintenance\nextensions: [siderolabs/iscsi-tools]\nnodes:\n  - { name: cp-1, address: 127.0.51.11, role: controlplane }\n");
    sim = await startSimulation({ scenario: join(dir, "scenario.yaml"), dir: join(dir, "sim") });
  });
  afterAll(async () => sim?.stop());

  it("maintenance mode shows the factory media's extensions; after apply-config with the default installer there are none", async () => {
    const cp1 = addressOf(sim, "cp-1");
    const insecure = await talosctl(["get", "extensions", "--insecure", "--endpoints", cp1, "--nodes", cp1, "--output", "json"], { cwd: dir });
    expect((parseJsonStream(insecure.stdout) as Item[]).map((e) => e.spec.metadata.name)).toEqual(["iscsi-tools", "schematic"]);
    expect((await talosctl(["gen", "config", "one", `https://${cp1}:6443`, "--output", dir], { cwd: dir })).code).toBe(0);
    expect((await talosctl(["apply-config", "--insecure", "--nodes", cp1, "--file", join(dir, "controlplane.yaml")], { cwd: dir })).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const installed = await talosctl(["get", "extensions", "--endpoints", cp1, "--nodes", cp1, "--output", "json"], { talosconfig: join(dir, "talosconfig"), cwd: dir });
    expect([installed.code, installed.stdout]).toEqual([0, ""]);
  });
});
