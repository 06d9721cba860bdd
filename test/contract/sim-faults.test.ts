// Contract: the real talosctl against scenarios with faults, a scenario file given by path, and
// etcd recovery (`bootstrap --recover-from`), compared with what real nodes answer.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { addressOf, addressPattern } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("quorum-at-risk: upgrade refuses to lose etcd quorum unless forced", () => {
  let sim: SimHandle;
  let cp1: string;
  beforeAll(async () => {
    sim = await startSimulation({ scenario: "quorum-at-risk", dir: mkdtempSync(join(tmpdir(), "talos-mcp-sim-quorum-")) });
    cp1 = addressOf(sim, "cp-1");
  });
  afterAll(async () => sim?.stop());
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig });

  it("the down member shows in service etcd", async () => {
    expect((await run(["service", "etcd", "--nodes", addressOf(sim, "cp-2")])).stdout).not.toMatch(/HEALTH\s+OK/);
  });

  it("upgrade without --force fails machined's etcd validation (code Unknown); with --force it proceeds", async () => {
    const refused = await run(["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.12.7", "--wait=false", "--nodes", cp1]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/rpc error: code = Unknown desc = error validating etcd for upgrade: etcd member [0-9a-f]{16} is not healthy; all members must be healthy to perform an upgrade/);
    expect((await run(["version", "--nodes", cp1])).stdout).toMatch(/Server:[\s\S]*Tag:\s+v1\.12\.6/);
    const forced = await run(["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.12.7", "--force", "--wait=false", "--nodes", cp1]);
    expect(forced.code).toBe(0);
    expect((await run(["version", "--nodes", cp1])).stdout).toMatch(/Server:[\s\S]*Tag:\s+v1\.12\.7/);
    expect(sim.events().filter((e) => e.method === "/machine.MachineService/Upgrade").map((e) => e.code)).toEqual(["Unknown", "OK"]);
  });

  it("graceful reset: acknowledged; leaves etcd while it has quorum (even if that loses it), fails to leave without", async () => {
    // cp-3 leaves the talosconfig's working endpoints once reset: talk through cp-1.
    const viaCp1 = (args: string[]) => run([...args, "--endpoints", cp1]);
    const first = await viaCp1(["reset", "--wait=false", "--nodes", addressOf(sim, "cp-3")]);
    expect(first.code).toBe(0);
    await sleep(600);
    expect(sim.events().some((e) => e.node === "cp-3" && e.detail?.reset)).toBe(true);
    const members = await viaCp1(["etcd", "members", "--nodes", cp1]);
    expect(members.stdout.trim().split("\n")).toHaveLength(3);
    // cp-1 and the down cp-2 remain: no quorum, so the next graceful reset cannot leave etcd.
    expect((await viaCp1(["reset", "--wait=false", "--nodes", cp1])).code).toBe(0);
    await sleep(600);
    expect(sim.events().find((e) => e.node === "cp-1" && e.kind === "state-change" && e.detail?.resetFailed)).toBeDefined();
    expect((await viaCp1(["dmesg", "--nodes", cp1])).stdout).toMatch(/failed to leave cluster: etcdserver: no leader/);
    expect((await viaCp1(["version", "--nodes", cp1])).code).toBe(0);
  });
});

describe("faults from a scenario file: unreachable node, unsynchronised clock", () => {
  let sim: SimHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-faults-"));
    const file = join(dir, "faults.yaml");
    writeFileSync(
      file,
      [
        "name: faults",
        "stage: installed",
        "kubernetesVersion: 1.34.1",
        "omniManaged: true",
        "nodes:",
        "  - { name: cp-1, address: 127.0.76.11, role: controlplane, faults: { timeNotSynced: true } }",
        "  - { name: cp-2, address: 127.0.76.12, role: controlplane }",
        "  - { name: worker-1, address: 127.0.76.21, role: worker, faults: { unreachable: true } }",
        "  - { name: worker-2, address: 127.0.76.22, role: worker, faults: { slowMs: 200 } }",
        "",
      ].join("\n"),
    );
    sim = await startSimulation({ scenario: file, dir: join(dir, "sim") });
  });
  afterAll(async () => sim?.stop());
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig });
  const at = (name: string) => addressOf(sim, name);

  it("an unreachable node fails only its own part of a fan-out (version warns, exit 0)", async () => {
    const [cp2, w1] = [at("cp-2"), at("worker-1")];
    const result = await run(["version", "--nodes", `${cp2},${w1}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(String.raw`NODE:\s+${addressPattern(cp2)}[\s\S]*Tag:\s+v1\.12\.6`));
    expect(result.stderr).toMatch(new RegExp(String.raw`^WARNING: 1 error occurred:\n\t\* ${addressPattern(w1)}: rpc error: code = Unavailable desc = connection error: .*connection refused`));
    const get = await run(["get", "machinetype", "--nodes", w1]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(new RegExp(`${addressPattern(w1)}.*connection refused`));
  });

  it("a slow node still answers; every injected fault is recorded as a fault event", async () => {
    const result = await run(["get", "machinetype", "--output", "json", "--nodes", at("worker-2")]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ node: at("worker-2"), spec: "worker" });
    const faults = sim.events().filter((e) => e.kind === "fault");
    expect(faults).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ node: "worker-1", method: "/machine.MachineService/Version", detail: { unreachable: true } }),
        expect.objectContaining({ node: "worker-2", method: "/cosi.resource.State/List", detail: { slowMs: 200 } }),
      ]),
    );
  });

  it("the machine config shows the scenario's Kubernetes version and, Omni-managed, a SideroLinkConfig", async () => {
    const mc = await run(["get", "mc", "--output", "yaml", "--nodes", at("cp-2")]);
    expect(mc.code).toBe(0);
    expect(mc.stdout).toContain("ghcr.io/siderolabs/kubelet:v1.34.1");
    expect(mc.stdout).toMatch(/kind: SideroLinkConfig/);
  });

  it("bootstrap on a node whose time is not in sync: FailedPrecondition", async () => {
    const result = await run(["bootstrap", "--nodes", at("cp-1")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`* ${at("cp-1")}: rpc error: code = FailedPrecondition desc = time is not in sync yet`);
  });

  it("bootstrap --recover-from uploads the snapshot and starts etcd from it; the data dir is then not empty", async () => {
    // talosctl reads the snapshot (bbolt) before uploading it, so take a real one from a running sim.
    const snapshot = join(dir, "db.snapshot");
    const source = await startSimulation({ scenario: "running-3cp-2w", dir: join(dir, "source") });
    try {
      expect((await talosctl(["etcd", "snapshot", snapshot, "--nodes", addressOf(source, "cp-1")], { talosconfig: source.talosconfig })).code).toBe(0);
    } finally {
      await source.stop();
    }
    const recovered = await run(["bootstrap", "--recover-from", snapshot, "--recover-skip-hash-check", "--nodes", at("cp-2")]);
    expect(recovered.code).toBe(0);
    expect(sim.events().find((e) => e.detail?.bootstrapped)?.detail).toMatchObject({ recoveredFrom: `${statSync(snapshot).size} bytes` });
    const methods = sim.events().filter((e) => e.kind === "api-call" && e.node === "cp-2").map((e) => e.method);
    expect(methods).toEqual(expect.arrayContaining(["/machine.MachineService/EtcdRecover", "/machine.MachineService/Bootstrap"]));
    const upload = sim.events().find((e) => e.method === "/machine.MachineService/EtcdRecover");
    expect(upload?.detail).toEqual({ bytes: statSync(snapshot).size, sha256: createHash("sha256").update(readFileSync(snapshot)).digest("hex") });
    const again = await run(["bootstrap", "--nodes", at("cp-2")]);
    expect(again.stderr).toContain("AlreadyExists desc = etcd data directory is not empty");
  });
});
