// The unmodified, pinned omnictl (v1.9.3) against the simulated Omni: signed calls with the
// service-account key the simulation generates, `get -o json`, and the whole cluster-template
// life cycle (validate, render, diff, sync from nothing, sync with a change, sync that tears a
// machine down, status waiting for ready, export round trip, delete), kubeconfig and talosconfig,
// a Reader key refused writes, and a key Omni does not know failing fast instead of opening a browser.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import * as openpgp from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { startOmniSimulation } from "../../src/sim/omni/index.js";
import { loadAnyScenario } from "../../src/sim/scenario.js";
import { clusterTemplate as template, startOmni as start, type OmniSim as Omni } from "../helpers/omni.js";

const OMNICTL = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/omnictl");

function omnictl(sim: Omni, cwd: string, args: string[], key = sim.omni.env.OMNI_SERVICE_ACCOUNT_KEY!) {
  return execa(OMNICTL, args, {
    reject: false,
    stdin: "ignore",
    cwd,
    timeout: 60_000,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, BROWSER: "echo", OMNI_ENDPOINT: sim.omni.url, OMNI_SERVICE_ACCOUNT_KEY: key, SSL_CERT_FILE: sim.omni.caFile },
  }).then((r) => ({ code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }));
}

describe("omnictl against the simulated Omni (omni-fresh)", () => {
  let sim: Omni;
  let dir: string;
  let ids: string[];
  const file = () => join(dir, "cluster.yaml");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omni-sim-"));
    sim = await start("omni-fresh", join(dir, "sim"), 600);
    ids = sim.omni.machines.map((m) => m.id);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("lists the registered machines with their labels and Talos versions (get machinestatus -o json)", async () => {
    const result = await omnictl(sim, dir, ["get", "machinestatus", "-o", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const machines = parseJsonStream(result.stdout) as { metadata: { id: string; labels: Record<string, string | null> }; spec: Record<string, unknown> }[];
    expect(machines.map((m) => m.metadata.id).sort()).toEqual([...ids].sort());
    const first = machines.find((m) => m.metadata.id === ids[0])!;
    expect(first.metadata.labels).toMatchObject({ zone: "a", "omni.sidero.dev/available": null });
    expect(first.spec).toMatchObject({ talosversion: "v1.12.6", cluster: "", maintenance: true });
    expect((await omnictl(sim, dir, ["get", "clusters", "-o", "json"])).stdout.trim()).toBe("");
  });

  it("syncs a template from nothing, then status waits until every machine is ready", async () => {
    writeFileSync(file(), template("demo", ids.slice(0, 3), [ids[3]!]));
    const rendered = await omnictl(sim, dir, ["cluster", "template", "render", `--file=${file()}`]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toMatch(/type: Clusters\.omni\.sidero\.dev/);
    expect(rendered.stdout.match(/type: MachineSetNodes\.omni\.sidero\.dev/g)).toHaveLength(4);
    const diff = await omnictl(sim, dir, ["cluster", "template", "diff", `--file=${file()}`]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("+++ Clusters.omni.sidero.dev(default/demo)");
    expect(diff.stdout).toContain("--- /dev/null");

    // The machines come up when the test says so, however slowly omnictl runs on a loaded machine.
    const release = sim.omni.holdReadiness();
    const sync = await omnictl(sim, dir, ["cluster", "template", "sync", `--file=${file()}`]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/\* creating Clusters\.omni\.sidero\.dev\(demo\)/);
    expect(sync.stdout.match(/\* creating MachineSetNodes/g)).toHaveLength(4);

    const early = await omnictl(sim, dir, ["cluster", "template", "status", `--file=${file()}`, "--wait=0s"]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("cluster is not healthy");
    release();

    const waited = await omnictl(sim, dir, ["cluster", "template", "status", `--file=${file()}`, "--wait=30s"]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/Cluster "demo" RUNNING Ready \(4\/4\)/);
    expect(waited.stdout).toMatch(/Control Plane "demo-control-planes" Running Ready \(3\/3\)/);

    const status = parseJsonStream((await omnictl(sim, dir, ["get", "clusterstatus", "demo", "-o", "json"])).stdout)[0] as { spec: Record<string, unknown> };
    expect(status.spec).toMatchObject({ ready: true, phase: 3, machines: { total: 4, healthy: 4 } });
    const taken = parseJsonStream((await omnictl(sim, dir, ["get", "machinestatus", ids[0]!, "-o", "json"])).stdout)[0] as { spec: Record<string, unknown> };
    expect(taken.spec).toMatchObject({ cluster: "demo", role: 1, maintenance: false });
  });

  it("a changed template updates and adds; removing a machine tears it down and releases it", async () => {
    writeFileSync(file(), template("demo", ids.slice(0, 3), [ids[3]!, ids[4]!], "v1.35.3"));
    const grow = await omnictl(sim, dir, ["cluster", "template", "sync", `--file=${file()}`]);
    expect(grow.code, grow.stderr).toBe(0);
    expect(grow.stdout).toContain("* updating Clusters.omni.sidero.dev(demo)");
    expect(grow.stdout).toContain(`* creating MachineSetNodes.omni.sidero.dev(${ids[4]})`);
    const cluster = parseJsonStream((await omnictl(sim, dir, ["get", "clusters", "demo", "-o", "json"])).stdout)[0] as { spec: Record<string, unknown> };
    expect(cluster.spec.kubernetesversion).toBe("1.35.3");
    // The state a harness checks at the end of a run says the same.
    expect(sim.state().clusters).toEqual([
      expect.objectContaining({ name: "demo", kubernetesVersion: "1.35.3", talosVersion: "v1.12.6", workers: [sim.omni.machines[3]!.name, sim.omni.machines[4]!.name].sort() }),
    ]);

    writeFileSync(file(), template("demo", ids.slice(0, 3), [ids[3]!], "v1.35.3"));
    const shrink = await omnictl(sim, dir, ["cluster", "template", "sync", `--file=${file()}`]);
    expect(shrink.code, shrink.stderr).toBe(0);
    expect(shrink.stdout).toContain(`* tearing down MachineSetNodes.omni.sidero.dev(${ids[4]})`);
    expect(shrink.stdout).toContain(`* destroyed MachineSetNodes.omni.sidero.dev(${ids[4]})`);
    const released = parseJsonStream((await omnictl(sim, dir, ["get", "machinestatus", ids[4]!, "-o", "json"])).stdout)[0] as { spec: Record<string, unknown> };
    expect(released.spec).toMatchObject({ cluster: "", maintenance: true });
  });

  it("export → validate → diff shows no change", async () => {
    const exported = join(dir, "exported.yaml");
    const result = await omnictl(sim, dir, ["cluster", "template", "export", "--cluster=demo", `--output=${exported}`, "--force"]);
    expect(result.code, result.stderr).toBe(0);
    const documents = readFileSync(exported, "utf8").split(/^---$/m).map((doc) => parse(doc));
    expect(documents[0]).toMatchObject({ kind: "Cluster", name: "demo", kubernetes: { version: "v1.35.3" } });
    expect((await omnictl(sim, dir, ["cluster", "template", "validate", `--file=${exported}`])).code).toBe(0);
    const diff = await omnictl(sim, dir, ["cluster", "template", "diff", `--file=${exported}`]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout.trim()).toBe("");
  });

  it("downloads a service-account kubeconfig and the cluster's talosconfig", async () => {
    const kubeconfig = await omnictl(sim, dir, ["kubeconfig", "--cluster=demo", "--service-account", "--user=automation", join(dir, "kubeconfig"), "--force"]);
    expect(kubeconfig.code, kubeconfig.stderr).toBe(0);
    const kube = parse(readFileSync(join(dir, "kubeconfig"), "utf8"));
    expect(kube).toMatchObject({ kind: "Config", "current-context": "sim-omni-demo" });
    expect(kube.users[0].user.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const talosconfig = await omnictl(sim, dir, ["talosconfig", "--cluster=demo", join(dir, "talosconfig"), "--force"]);
    expect(talosconfig.code, talosconfig.stderr).toBe(0);
    const talos = parse(readFileSync(join(dir, "talosconfig"), "utf8"));
    expect(talos.contexts["sim-omni-demo"]).toMatchObject({ endpoints: [sim.omni.url], cluster: "demo", auth: { siderov1: { identity: "talos-mcp-sim@serviceaccount.omni.sidero.dev" } } });

    const breakGlass = await omnictl(sim, dir, ["talosconfig", "--cluster=demo", "--break-glass", join(dir, "bg"), "--force"]);
    expect(breakGlass.code).toBe(1);
    expect(breakGlass.stderr).toMatch(/PermissionDenied.*break-glass/);
  });

  it("management calls the simulation does not offer answer Unimplemented, after authentication", async () => {
    const logs = await omnictl(sim, dir, ["machine-logs", ids[0]!]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/Unimplemented.*MachineLogs is not implemented by the simulated Omni/);
  });

  it("a Reader key reads but cannot change anything", async () => {
    const reader = readFileSync(sim.omni.readerServiceAccountKeyFile, "utf8").trim();
    expect((await omnictl(sim, dir, ["get", "clusters"], reader)).code).toBe(0);
    const sync = await omnictl(sim, dir, ["cluster", "template", "delete", `--file=${file()}`], reader);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/PermissionDenied.*insufficient role: "Reader"/);
    expect((await omnictl(sim, dir, ["get", "clusters", "demo"])).stdout).toContain("demo");
  });

  it("a key Omni does not know fails at once with Unauthenticated (no browser, no retry)", async () => {
    const { privateKey } = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ email: "stranger@serviceaccount.omni.sidero.dev" }], format: "armored" });
    const stranger = Buffer.from(JSON.stringify({ name: "stranger@serviceaccount.omni.sidero.dev", pgp_key: privateKey })).toString("base64");
    const started = Date.now();
    const result = await omnictl(sim, dir, ["get", "clusters"], stranger);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unauthenticated.*unknown public key/);
    expect(result.stderr).not.toMatch(/browser|login/i);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("delete tears the cluster down, releases every machine, and the event log holds no key material", async () => {
    const result = await omnictl(sim, dir, ["cluster", "template", "delete", `--file=${file()}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("* destroyed Clusters.omni.sidero.dev(demo)");
    expect((await omnictl(sim, dir, ["get", "machinesets", "-o", "json"])).stdout.trim()).toBe("");
    const machines = parseJsonStream((await omnictl(sim, dir, ["get", "machinestatus", "-o", "json"])).stdout) as { spec: { cluster: string } }[];
    expect(machines.every((m) => m.spec.cluster === "")).toBe(true);

    const log = readFileSync(sim.eventsFile, "utf8");
    expect(log).toContain("/cosi.resource.State/Create");
    expect(log).not.toContain("PGP");
    expect(log).not.toContain(sim.omni.env.OMNI_SERVICE_ACCOUNT_KEY!.slice(0, 40));
  });
});

describe("omnictl against the simulated Omni (omni-running)", () => {
  let sim: Omni;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omni-sim-running-"));
    sim = await start("omni-running", join(dir, "sim"), 600);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("serves cluster prod (3 control planes, 1 worker) ready, with two machines free", async () => {
    const clusters = parseJsonStream((await omnictl(sim, dir, ["get", "clusters", "-o", "json"])).stdout) as { metadata: { id: string } }[];
    expect(clusters.map((c) => c.metadata.id)).toEqual(["prod"]);
    const sets = parseJsonStream((await omnictl(sim, dir, ["get", "machinesets", "-o", "json"])).stdout) as { metadata: { id: string } }[];
    expect(sets.map((s) => s.metadata.id).sort()).toEqual(["prod-control-planes", "prod-workers"]);
    const status = await omnictl(sim, dir, ["cluster", "status", "prod", "--wait=0s"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Cluster "prod" RUNNING Ready \(4\/4\)/);
    expect(sim.omni.machines.filter((m) => !m.cluster)).toHaveLength(2);
    expect(sim.state()).toEqual({
      nodes: [],
      clusters: [{ name: "prod", talosVersion: "v1.12.6", kubernetesVersion: "1.35.2", controlPlanes: ["omni-m-1", "omni-m-2", "omni-m-3"], workers: ["omni-m-4"], patches: [], ready: true }],
    });
  });

  it("the table output resolves aliases through the resource definitions", async () => {
    const result = await omnictl(sim, dir, ["get", "cluster"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/NAMESPACE\s+TYPE\s+ID\s+VERSION\s+TALOS VERSION\s+KUBERNETES VERSION/);
    expect(result.stdout).toMatch(/default\s+Cluster\s+prod\s+\d+\s+1\.12\.6\s+1\.35\.2/);
    const unknown = await omnictl(sim, dir, ["get", "nosuchthing"]);
    expect(unknown.code).toBe(1);
  });

  it("a machine Omni has never seen never becomes ready; the free machines do", async () => {
    const free = sim.omni.machines.filter((m) => !m.cluster).map((m) => m.id);
    const ghost = "00000000-0000-4000-a000-00000000dead";
    writeFileSync(join(dir, "ghost.yaml"), template("ghost", [free[0]!], [ghost]));
    expect((await omnictl(sim, dir, ["cluster", "template", "sync", `--file=${join(dir, "ghost.yaml")}`])).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const status = await omnictl(sim, dir, ["cluster", "template", "status", `--file=${join(dir, "ghost.yaml")}`, "--wait=0s"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/Control Plane "ghost-control-planes" Running Ready \(1\/1\)/);
    expect(status.stdout).toMatch(/Workers "ghost-workers" ScalingUp Not Ready \(0\/1\)/);
    expect(status.stderr).toContain("cluster is not healthy");
    expect((await omnictl(sim, dir, ["cluster", "template", "delete", `--file=${join(dir, "ghost.yaml")}`])).code).toBe(0);
  });

  it("config patches (file, inline, per machine) and machine labels sync, export and diff clean", async () => {
    const free = sim.omni.machines.filter((m) => !m.cluster).map((m) => m.id);
    mkdirSync(join(dir, "patches"), { recursive: true });
    writeFileSync(join(dir, "patches/ntp.yaml"), "machine:\n  time:\n    servers: [time.example]\n");
    const withPatches = [
      template("patched", [free[0]!], [free[1]!]).replace("talos:\n  version: v1.12.6", "talos:\n  version: v1.12.6\npatches:\n  - file: patches/ntp.yaml\n  - name: somaxconn\n    inline:\n      machine:\n        sysctls:\n          net.core.somaxconn: \"65535\""),
      `kind: Machine\nname: ${free[1]}\nlabels:\n  tier: gold\npatches:\n  - name: node-label\n    inline:\n      machine:\n        nodeLabels:\n          tier: gold`,
    ].join("\n---\n");
    writeFileSync(join(dir, "patched.yaml"), withPatches);
    const sync = await omnictl(sim, dir, ["cluster", "template", "sync", `--file=${join(dir, "patched.yaml")}`]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout.match(/\* creating ConfigPatches/g)).toHaveLength(3);
    const patches = parseJsonStream((await omnictl(sim, dir, ["get", "configpatches", "--selector=omni.sidero.dev/cluster=patched", "-o", "json"])).stdout) as { spec: { data: string } }[];
    expect(patches.map((p) => p.spec.data).join("\n")).toContain("time.example");

    const exported = join(dir, "patched-export.yaml");
    expect((await omnictl(sim, dir, ["cluster", "template", "export", "--cluster=patched", `--output=${exported}`, "--force"])).code).toBe(0);
    expect(readFileSync(exported, "utf8")).toMatch(/tier: gold[\s\S]*nodeLabels/);
    const diff = await omnictl(sim, dir, ["cluster", "template", "diff", `--file=${exported}`]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout.trim()).toBe("");
  });

  it("the real talosctl reaches the cluster's nodes through the Omni endpoint, with the role Omni injects", async () => {
    const talos = (args: string[], key = sim.omni.env.OMNI_SERVICE_ACCOUNT_KEY!) =>
      execa(join(OMNICTL, "..", "talosctl"), ["--talosconfig", sim.talosconfig, ...args], {
        reject: false,
        stdin: "ignore",
        timeout: 60_000,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? "", HOME: dir, BROWSER: "echo", OMNI_SERVICE_ACCOUNT_KEY: key, SSL_CERT_FILE: sim.omni.caFile },
      }).then((r) => ({ code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }));
    const prod = sim.omni.machines.filter((m) => m.cluster === "prod");

    const version = await talos(["version", "--nodes", "172.20.0.2"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/NODE:\s+172\.20\.0\.2[\s\S]*Tag:\s+v1\.12\.6/);
    // Machine UUIDs work as node names, as through a real Omni.
    const members = await talos(["get", "members", "--nodes", prod[0]!.id]);
    expect(members.code, members.stderr).toBe(0);
    for (const machine of prod) expect(members.stdout).toContain(machine.name);
    const etcd = await talos(["etcd", "members", "--nodes", "172.20.0.2"]);
    expect(etcd.stdout.match(/172\.20\.0\.\d+:2380/g)).toHaveLength(3);

    // Omni runs these as os:operator: machine-config writes and secrets are refused at the API.
    const bootstrap = await talos(["bootstrap", "--nodes", "172.20.0.2"]);
    expect(bootstrap.code).toBe(1);
    expect(bootstrap.stderr).toContain("code = PermissionDenied desc = not authorized");
    expect((await talos(["get", "machineconfig", "--nodes", "172.20.0.2"])).stderr).toContain("PermissionDenied");
    // A Reader account gets os:reader: no reboot.
    const reboot = await talos(["reboot", "--nodes", "172.20.0.5", "--wait=false"], readFileSync(sim.omni.readerServiceAccountKeyFile, "utf8").trim());
    expect(reboot.stderr).toContain("PermissionDenied desc = not authorized");

    const log = readFileSync(sim.eventsFile, "utf8");
    expect(log).toMatch(/"node":"omni-m-1","kind":"api-call","method":"\/machine\.MachineService\/Bootstrap","role":"os:operator","code":"PermissionDenied"/);
  });
});

describe("omnictl and talosctl against a simulated Omni with a disconnected machine", () => {
  it("the machine is reported disconnected, keeps its cluster from being healthy, and does not answer through Omni", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omni-sim-fault-"));
    const loaded = loadAnyScenario("omni-running");
    if (loaded.kind !== "omni") throw new Error("omni-running is an Omni scenario");
    const machines = loaded.scenario.omni.machines.map((m) => (m.name === "omni-m-4" ? { ...m, connected: false } : m));
    const sim = (await startOmniSimulation({ scenario: { ...loaded.scenario, omni: { ...loaded.scenario.omni, machines } }, dir: join(dir, "sim") })) as Omni;
    try {
      const lost = sim.omni.machines.find((m) => m.name === "omni-m-4")!;
      const status = parseJsonStream((await omnictl(sim, dir, ["get", "machinestatus", lost.id, "-o", "json"])).stdout)[0] as { metadata: { labels: Record<string, unknown> }; spec: Record<string, unknown> };
      expect(status.spec.connected).toBe(false);
      expect(status.metadata.labels).toHaveProperty(["omni.sidero.dev/disconnected"]);
      expect(status.metadata.labels).not.toHaveProperty(["omni.sidero.dev/connected"]);
      const cluster = await omnictl(sim, dir, ["cluster", "status", "prod", "--wait=0s"]);
      expect(cluster.code).toBe(1);
      expect(cluster.stdout).toMatch(/Workers "prod-workers" \S+ Not Ready \(0\/1\)/);
      const version = await execa(join(OMNICTL, "..", "talosctl"), ["--talosconfig", sim.talosconfig, "version", "--nodes", lost.id], {
        reject: false,
        stdin: "ignore",
        extendEnv: false,
        env: { PATH: process.env.PATH ?? "", HOME: dir, ...sim.omni.env },
      });
      expect(version.exitCode).toBe(1);
      expect(String(version.stderr)).toMatch(/Unavailable/);
    } finally {
      await sim.stop();
    }
  });
});
