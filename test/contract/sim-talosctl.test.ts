// Contract: the unmodified pinned talosctl against the simulator, compared with the behaviour the
// reference documents for real nodes (texts, exit codes, JSON shapes).
import { createServer } from "node:net";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { loadScenario } from "../../src/sim/scenario.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf, addressPattern } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("running cluster (running-3cp-2w)", () => {
  let sim: SimHandle;
  let dir: string;
  let cp1: string, cp2: string, w1: string, w2: string;
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig, cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-contract-"));
    sim = await startSimulation({ scenario: "running-3cp-2w", dir });
    [cp1, cp2, w1, w2] = ["cp-1", "cp-2", "worker-1", "worker-2"].map((name) => addressOf(sim, name)) as [string, string, string, string];
  });
  afterAll(async () => sim?.stop());

  it("version answers per node with metadata", async () => {
    const result = await run(["version", "--nodes", `${cp1},${w1}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`NODE:\\s+${addressPattern(cp1)}[\\s\\S]*Tag:\\s+v1\\.12\\.6[\\s\\S]*NODE:\\s+${addressPattern(w1)}`));
  });

  it("get -o json streams objects with node, metadata, spec", async () => {
    const result = await run(["get", "members", "--output", "json", "--nodes", cp1]);
    const items = parseJsonStream(result.stdout) as any[];
    expect(items).toHaveLength(5);
    expect(items[0]).toMatchObject({ node: cp1, metadata: { namespace: "cluster", type: "Members.cluster.talos.dev" }, spec: { machineType: "controlplane" } });
    const types = parseJsonStream((await run(["get", "machinetype", "--output", "json", "--nodes", `${cp1},${w1}`])).stdout) as any[];
    expect(types.map((t) => [t.node, t.spec])).toEqual([
      [cp1, "controlplane"],
      [w1, "worker"],
    ]);
    const em = parseJsonStream((await run(["get", "etcdmembers", "--output", "json", "--nodes", cp1])).stdout) as any[];
    expect(em[0]).toMatchObject({ metadata: { id: "local", namespace: "etcd" }, spec: { memberID: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    const status = parseJsonStream((await run(["get", "machinestatus", "--output", "json", "--nodes", cp1])).stdout) as any[];
    expect(status[0].spec).toMatchObject({ stage: "running", status: { ready: true } });
  });

  it("get rd and tables", async () => {
    const rd = await run(["get", "rd", "--nodes", cp1]);
    expect(rd.stdout).toMatch(/ResourceDefinition\s+members\.cluster\.talos\.dev/);
    const table = await run(["get", "em", "--nodes", cp1]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION\s+MEMBER ID/);
  });

  it("get services -o yaml, get hostname; an unsimulated method answers Unimplemented", async () => {
    const yaml = await run(["get", "services", "etcd", "--output", "yaml", "--nodes", cp1]);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toMatchObject({ node: cp1, metadata: { type: "Services.v1alpha1.talos.dev", id: "etcd" }, spec: { running: true, healthy: true } });
    expect((await run(["get", "hostname", "--nodes", cp1])).stdout).toMatch(new RegExp(String.raw`^NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION\s+HOSTNAME\s+DOMAINNAME[\s\S]*\n${addressPattern(cp1)}\s+network\s+HostnameStatus\s+hostname\s+1\s+cp-1\s*$`, "m"));
    expect((await run(["get", "svc", "--nodes", cp1])).stdout).toMatch(new RegExp(String.raw`\n${addressPattern(cp1)}\s+runtime\s+Service\s+etcd\s+1\s+true\s+true\s+false`));
    expect((await run(["get", "machinetype", "--nodes", cp1])).stdout).toMatch(new RegExp(String.raw`^NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION\s+TYPE\n${addressPattern(cp1)}\s+config\s+MachineType\s+machine-type\s+1\s+controlplane`));
    // The inspect API is not simulated: it answers what gRPC answers for a service the server lacks.
    const inspect = await run(["inspect", "dependencies", "--nodes", cp1]);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toMatch(/code = Unimplemented/);
  });

  it("service and service etcd", async () => {
    const list = await run(["service", "--nodes", cp1]);
    expect(list.stdout.split("\n")[0]).toMatch(/^NODE\s+SERVICE\s+STATE\s+HEALTH\s+LAST CHANGE\s+LAST EVENT/);
    expect((await run(["service", "etcd", "--nodes", cp1])).stdout).toMatch(/STATE\s+Running\n.*HEALTH\s+OK/);
  });

  it("etcd members, status and a snapshot with a stable checksum", async () => {
    expect((await run(["etcd", "members", "--nodes", cp1])).stdout.split("\n")[0]).toMatch(/^NODE\s+ID\s+HOSTNAME\s+PEER URLS\s+CLIENT URLS\s+LEARNER/);
    expect((await run(["etcd", "status", "--nodes", cp1])).code).toBe(0);
    const first = await run(["etcd", "snapshot", join(dir, "a.snap"), "--nodes", cp1]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/etcd snapshot saved to ".*a\.snap" \(\d+ bytes\)\nsnapshot info: hash [0-9a-f]{8}, revision \d+, total keys \d+/);
    await run(["etcd", "snapshot", join(dir, "b.snap"), "--nodes", cp1]);
    const sum = (f: string) => createHash("sha256").update(readFileSync(join(dir, f))).digest("hex");
    expect(sum("a.snap")).toBe(sum("b.snap"));
    // The event of each snapshot names what was served: the saved file is that, byte for byte.
    const served = sim.events().filter((e) => e.method === "/machine.MachineService/EtcdSnapshot" && e.code === "OK");
    expect(served.map((e) => e.detail)).toEqual([
      { bytes: readFileSync(join(dir, "a.snap")).length, sha256: sum("a.snap") },
      { bytes: readFileSync(join(dir, "b.snap")).length, sha256: sum("b.snap") },
    ]);
    expect((await run(["etcd", "snapshot", join(dir, "c.snap"), "--nodes", `${cp1},${cp2}`])).stderr).toMatch(/is not supported with multiple nodes/);
  });

  it("etcd and kubeconfig APIs on a worker: Unimplemented, as machined answers", async () => {
    const members = await run(["etcd", "members", "--nodes", w1]);
    expect(members.code).toBe(1);
    expect(members.stderr).toContain(`${w1}: rpc error: code = Unimplemented desc = member list is only available on control plane nodes`);
    const kubeconfig = await run(["kubeconfig", join(dir, "worker-kubeconfig"), "--nodes", w1]);
    expect(kubeconfig.code).toBe(1);
    expect(kubeconfig.stderr).toMatch(/Unimplemented desc = kubeconfig is only available on control plane nodes/);
  });

  it("bootstrap on a bootstrapped node: AlreadyExists, exit 1", async () => {
    const result = await run(["bootstrap", "--nodes", cp1]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error executing bootstrap: 1 error occurred:\n\t* ${cp1}: rpc error: code = AlreadyExists desc = etcd data directory is not empty`);
  });

  it("logs of a service; a missing one fails as machined's log manager does (code Unknown)", async () => {
    const logs = await run(["logs", "etcd", "--nodes", cp1]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/serving client traffic securely/);
    const missing = await run(["logs", "nope", "--nodes", cp1]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/code = Unknown desc = log "nope" was not registered/);
  });

  it("kubeconfig and health", async () => {
    const kc = await run(["kubeconfig", join(dir, "kubeconfig"), "--merge=false", "--nodes", cp1]);
    expect(kc.code).toBe(0);
    expect(parseYaml(readFileSync(join(dir, "kubeconfig"), "utf8"))).toMatchObject({ kind: "Config", clusters: [{ cluster: { server: `https://${cp1}:6443` } }] });
    const health = await run(["health", "--nodes", cp1, "--wait-timeout", "20s"]);
    expect(health.code).toBe(0);
    expect(health.stderr).toMatch(/waiting for etcd to be healthy: OK/);
  });

  it("RBAC: an os:reader certificate reads but may not bootstrap", async () => {
    const file = `${sim.talosconfig}.reader`;
    expect((await talosctl(["version", "--nodes", cp1], { talosconfig: file })).code).toBe(0);
    const denied = await talosctl(["bootstrap", "--nodes", cp1], { talosconfig: file });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/PermissionDenied desc = not authorized/);
    expect((await talosctl(["get", "mc", "--nodes", cp1], { talosconfig: file })).stderr).toMatch(/not authorized/);
  });

  it("upgrade changes the version; reboot and reset are recorded; reset returns to maintenance", async () => {
    expect((await run(["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.12.7", "--wait=false", "--nodes", w1])).code).toBe(0);
    expect((await run(["version", "--nodes", w1])).stdout).toMatch(/Server:[\s\S]*Tag:\s+v1\.12\.7/);
    expect((await run(["reboot", "--wait=false", "--nodes", w2])).code).toBe(0);
    expect((await run(["reset", "--graceful=false", "--wait=false", "--nodes", w2])).code).toBe(0);
    await sleep(800);
    const after = await run(["version", "--nodes", w2]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/certificate signed by unknown authority|connection/);
    const methods = sim.events().filter((e) => e.kind === "api-call").map((e) => e.method);
    expect(methods).toEqual(expect.arrayContaining(["/machine.MachineService/Upgrade", "/machine.MachineService/Reboot", "/machine.MachineService/Reset"]));
  });
});

describe("fresh cluster (fresh-3cp-2w)", () => {
  let sim: SimHandle;
  let dir: string;
  let cp1: string, cp2: string, cp3: string, w1: string;
  const run = (args: string[]) => talosctl(args, { talosconfig: join(dir, "talosconfig"), cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-fresh-"));
    // The other control planes never join on their own while these tests run (a second bootstrap
    // must find cp-2 still waiting), however slowly talosctl starts on a loaded machine.
    const scenario = join(dir, "fresh-3cp-2w-slow-join.yaml");
    writeFileSync(scenario, stringify({ ...loadScenario("fresh-3cp-2w"), joinDelayMs: 60_000 }));
    sim = await startSimulation({ scenario, dir: join(dir, "sim") });
    [cp1, cp2, cp3, w1] = ["cp-1", "cp-2", "cp-3", "worker-1"].map((name) => addressOf(sim, name)) as [string, string, string, string];
    await talosctl(["gen", "config", "demo", `https://${cp1}:6443`, "--output", dir], { cwd: dir });
  });
  afterAll(async () => sim?.stop());

  it("maintenance mode answers --insecure reads without a client certificate", async () => {
    const status = await talosctl(["get", "machinestatus", "--insecure", "--endpoints", w1, "--nodes", w1, "--output", "json"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ metadata: { type: "MachineStatuses.runtime.talos.dev" }, spec: { stage: "maintenance", status: { ready: false } } });
    const version = await talosctl(["version", "--insecure", "--nodes", w1], { cwd: dir });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/Tag:\s+v1\.12\.6/);
  });

  it("maintenance mode: apply-config --insecure, then the node trusts the generated talosconfig", async () => {
    for (const node of [cp1, cp2, cp3]) {
      const applied = await talosctl(["apply-config", "--insecure", "--nodes", node, "--file", join(dir, "controlplane.yaml")], { cwd: dir });
      expect(applied.code).toBe(0);
      expect(applied.stderr).toMatch(/Applied configuration with a reboot/);
    }
    await sleep(800);
    const version = await run(["version", "--endpoints", cp1, "--nodes", cp1]);
    expect(version.code).toBe(0);
  });

  it("before bootstrap: etcd is Preparing and dmesg asks for talosctl bootstrap", async () => {
    const ep = ["--endpoints", cp1];
    expect((await run(["service", "etcd", ...ep, "--nodes", cp2])).stdout).toMatch(/STATE\s+Preparing/);
    expect((await run(["dmesg", ...ep, "--nodes", cp1])).stdout).toMatch(/etcd is waiting to join the cluster, if this node is the first node in the cluster, please run `talosctl bootstrap`/);
  });

  it("dry-run apply after install shows a diff", async () => {
    const dry = await run(["apply-config", "--endpoints", cp1, "--nodes", cp1, "--file", join(dir, "controlplane.yaml"), "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/Dry run summary:[\s\S]*Config diff:/);
  });

  it("apply-config after install follows --mode", async () => {
    const apply = (mode: string) => run(["apply-config", "--endpoints", cp1, "--nodes", cp3, "--file", join(dir, "controlplane.yaml"), "--mode", mode]);
    const noReboot = await apply("no-reboot");
    expect(noReboot.code).toBe(0);
    expect(noReboot.stderr).toMatch(/Applied configuration without a reboot/);
    expect((await apply("staged")).stderr).toMatch(/Staged configuration to be applied after the next reboot/);
    expect(sim.events().filter((e) => e.detail?.configApplied).map((e) => e.detail!.mode)).toEqual(["NO_REBOOT", "STAGED"]);
  });

  it("a second bootstrap on ANOTHER control plane before it joined succeeds and splits etcd (the hazard)", async () => {
    const ep = ["--endpoints", cp1];
    expect((await run(["bootstrap", ...ep, "--nodes", cp1])).code).toBe(0);
    const split = await run(["bootstrap", ...ep, "--nodes", cp2]);
    expect(split.code).toBe(0);
    const clusters = new Set(sim.events().filter((e) => e.detail?.bootstrapped).map((e) => e.detail!.etcdCluster));
    expect(clusters.size).toBe(2);
    const health = await run(["health", ...ep, "--nodes", cp1, "--wait-timeout", "2s"]);
    expect(health.code).toBe(1);
    expect(health.stderr).toMatch(/healthcheck error|inconsistent/);
  });
});

describe("single-node: gen config → apply → bootstrap → health → etcd snapshot (the demo path)", () => {
  let sim: SimHandle;
  let dir: string;
  let node: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-single-"));
    sim = await startSimulation({ scenario: "single-node", dir: join(dir, "sim") });
    node = addressOf(sim, "solo");
  });
  afterAll(async () => sim?.stop());

  it("ends with a healthy one-node cluster and a snapshot, bootstrap recorded once", async () => {
    expect((await talosctl(["gen", "config", "solo", `https://${node}:6443`, "--output", dir], { cwd: dir })).code).toBe(0);
    expect((await talosctl(["apply-config", "--insecure", "--nodes", node, "--file", join(dir, "controlplane.yaml")], { cwd: dir })).code).toBe(0);
    await sleep(600);
    const run = (args: string[]) => talosctl([...args, "--endpoints", node, "--nodes", node], { talosconfig: join(dir, "talosconfig"), cwd: dir });
    expect((await run(["get", "machinetype", "--output", "json"])).stdout).toMatch(/"spec": "controlplane"/);
    expect((await run(["bootstrap"])).code).toBe(0);
    const health = await run(["health", "--wait-timeout", "30s"]);
    expect(health.code).toBe(0);
    expect(health.stderr).toMatch(/waiting for all k8s nodes to report ready: OK/);
    const snapshot = await run(["etcd", "snapshot", join(dir, "etcd.snapshot")]);
    expect(snapshot.code).toBe(0);
    expect(snapshot.stdout).toMatch(/etcd snapshot saved to/);
    expect(sim.events().filter((e) => e.method === "/machine.MachineService/Bootstrap")).toHaveLength(1);
  });
});

describe("simulator lifecycle", () => {
  const portIsFree = (address: string) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
        .once("error", () => resolve(false))
        .listen(50000, address, () => server.close(() => resolve(true)));
    });

  it("stop() frees every port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-stop-"));
    const sim = await startSimulation({ scenario: "fresh-3cp-2w", dir });
    for (const node of sim.nodes) expect(await portIsFree(node.address)).toBe(false);
    await sim.stop();
    for (const node of sim.nodes) expect(await portIsFree(node.address)).toBe(true);
  });

  it("stop() right after apply-config: the node's pending restart does not bind again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-stop-apply-"));
    const sim = await startSimulation({ scenario: "single-node", dir: join(dir, "sim") });
    const solo = addressOf(sim, "solo");
    await talosctl(["gen", "config", "solo", `https://${solo}:6443`, "--output", dir], { cwd: dir });
    // Stopped the moment the node took the config (its api-call is recorded before the answer goes
    // out), while its restart 200 ms later is certainly still pending, however loaded the machine.
    let stopping: Promise<void> | undefined;
    const off = sim.onEvent((event) => {
      if (event.kind !== "api-call" || event.method !== "/machine.MachineService/ApplyConfiguration") return;
      off();
      stopping = sim.stop();
    });
    expect((await talosctl(["apply-config", "--insecure", "--nodes", solo, "--file", join(dir, "controlplane.yaml")], { cwd: dir })).code).toBe(0);
    expect(stopping).toBeDefined();
    await stopping;
    // Longer than the restart's delay: a restart that escaped stop() would have bound by now.
    await sleep(500);
    expect(await portIsFree(solo)).toBe(true);
    expect(sim.events().some((e) => e.detail?.stage === "installed")).toBe(false);
  });
});
