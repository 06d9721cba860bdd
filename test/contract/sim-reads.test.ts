// Contract: what an agent reads while troubleshooting, through the unmodified talosctl, on a
// healthy running cluster — one test per family (network, hardware, block devices, time, static
// pods, cluster identity, the machine API's reads) checking real-talosctl output (table columns,
// -o json/yaml shapes, exit codes) and that the answers agree across resources and nodes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf, addressPattern, secondAddressOf } from "../helpers/sim.js";
import { cosiClient, machineCall } from "../helpers/talos-api.js";
import { talosctl } from "../helpers/talosctl.js";

type Item = { node: string; metadata: { id: string; namespace: string; type: string }; spec: any };

describe("troubleshooting reads on running-3cp-2w", () => {
  let sim: SimHandle;
  let dir: string;
  let cp1: string, cp2: string, w1: string;
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig, cwd: dir });
  const get = async (type: string, nodes: string[], extra: string[] = []) => {
    const result = await run(["get", type, "--output", "json", "--nodes", nodes.join(","), ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return parseJsonStream(result.stdout) as Item[];
  };
  const header = async (args: string[]) => {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.split("\n")[0]!.split(/\s{2,}/);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-reads-"));
    sim = await startSimulation({ scenario: "running-3cp-2w", dir });
    [cp1, cp2, w1] = ["cp-1", "cp-2", "worker-1"].map((name) => addressOf(sim, name)) as [string, string, string];
  });
  afterAll(async () => sim?.stop());

  it("network: links, addresses and routes of the node's endpoint; node addresses; resolvers and time servers", async () => {
    expect(await header(["get", "links", "--nodes", cp1])).toEqual(["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "ALIAS", "TYPE", "KIND", "HW ADDR", "OPER STATE", "LINK STATE"]);
    const links = await get("links", [cp1]);
    expect(links.map((l) => [l.metadata.id, l.spec.operationalState])).toEqual([["lo", "unknown"], ["eth0", "up"], ["eth1", "up"]]);
    const eth0 = (await get("addresses", [cp1])).find((a) => a.spec.linkName === "eth0")!;
    expect(eth0).toMatchObject({ metadata: { namespace: "network", id: `eth0/${cp1}/24` }, spec: { address: `${cp1}/24`, family: "inet4", scope: "global", linkIndex: links[1]!.spec.index } });
    const routes = await run(["get", "routes", "--nodes", cp1]);
    expect(routes.stdout).toMatch(new RegExp(`RouteStatus\\s+inet4/${addressPattern(cp1.replace(/\.\d+$/, ".1"))}//1024\\s+1\\s+${addressPattern(cp1.replace(/\.\d+$/, ".1"))}\\s+eth0\\s+1024`));
    const nodeAddresses = Object.fromEntries((await get("nodeaddresses", [cp1])).map((a) => [a.metadata.id, a.spec.addresses]));
    expect(nodeAddresses).toEqual({ accumulative: [`${cp1}/24`, `${secondAddressOf(sim, "cp-1")}/24`], current: [`${cp1}/24`, `${secondAddressOf(sim, "cp-1")}/24`], default: [`${cp1}/24`], routed: [`${cp1}/24`, `${secondAddressOf(sim, "cp-1")}/24`] });
    expect((await get("resolvers", [cp1]))[0]!.spec).toEqual({ dnsServers: ["1.1.1.1", "8.8.8.8"], searchDomains: [] });
    expect((await run(["get", "timeservers", "--nodes", cp1])).stdout).toMatch(/TimeServerStatus\s+timeservers\s+1\s+\["time\.cloudflare\.com"\]/);
  });

  it("hardware: processor, memory modules and system information agree with the memory API", async () => {
    expect(await header(["get", "processors", "--nodes", w1])).toEqual(["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "MANUFACTURER", "MODEL", "CORES", "THREADS"]);
    const [module] = await get("memorymodules", [w1]);
    expect(module).toMatchObject({ metadata: { namespace: "hardware", id: "DIMM-0" }, spec: { sizeMiB: 16384 } });
    const memory = await run(["memory", "--nodes", w1]);
    expect(memory.stdout.split("\n")[0]).toMatch(/^NODE\s+TOTAL\s+USED\s+FREE\s+SHARED\s+BUFFERS\s+CACHE\s+AVAILABLE$/);
    expect(memory.stdout).toMatch(new RegExp(`${addressPattern(w1)}\\s+16384\\s`));
    expect((await get("systeminformation", [w1]))[0]!.spec).toMatchObject({ manufacturer: "QEMU", uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it("block devices: the system disk in disks, systemdisk and discoveredvolumes; EPHEMERAL in volumestatus, mounts and mountstatus", async () => {
    expect(await header(["get", "disks", "--nodes", cp1])).toEqual(["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "SIZE", "READ ONLY", "TRANSPORT", "ROTATIONAL", "WWID", "MODEL", "SERIAL"]);
    const [systemDisk] = await get("systemdisk", [cp1]);
    expect(systemDisk!.spec).toEqual({ diskID: "sda", devPath: "/dev/sda" });
    const disk = (await get("disks", [cp1])).find((d) => d.metadata.id === systemDisk!.spec.diskID)!;
    expect(disk.spec).toMatchObject({ dev_path: "/dev/sda", pretty_size: "69 GB", readonly: false, transport: "sata" });
    const volumes = await get("discoveredvolumes", [cp1]);
    const partitions = volumes.filter((v) => v.spec.parent === "sda");
    expect(partitions.map((p) => p.spec.partition_label)).toEqual(["EFI", "META", "STATE", "EPHEMERAL"]);
    expect(partitions.reduce((sum, p) => sum + p.spec.size, 0)).toBeLessThan(disk.spec.size);
    const ephemeral = (await get("volumestatus", [cp1])).find((v) => v.metadata.id === "EPHEMERAL")!;
    const ephemeralPartition = partitions.find((p) => p.spec.partition_label === "EPHEMERAL")!;
    expect(ephemeral.spec).toMatchObject({ phase: "ready", type: "partition", location: ephemeralPartition.spec.dev_path, filesystem: "xfs", size: ephemeralPartition.spec.size, mountSpec: { targetPath: "/var" } });
    expect((await run(["mounts", "--nodes", cp1])).stdout).toMatch(new RegExp(`${addressPattern(cp1)}\\s+${ephemeral.spec.location}\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d%\\s+/var\\n`));
    expect((await get("mounts", [cp1])).map((m) => [m.metadata.id, m.spec.source, m.spec.target])).toEqual([["STATE", "/dev/sda3", "/system/state"], ["EPHEMERAL", "/dev/sda4", "/var"]]);
  });

  it("time: in sync, and `time` compares the node's clock with its NTP server", async () => {
    expect((await get("timestatus", [cp1]))[0]).toMatchObject({ metadata: { namespace: "runtime", id: "node" }, spec: { synced: true, epoch: 1, syncDisabled: false } });
    const time = await run(["time", "--nodes", cp1]);
    expect(time.code).toBe(0);
    expect(time.stdout).toMatch(new RegExp(`^NODE\\s+NTP-SERVER\\s+NODE-TIME\\s+NTP-SERVER-TIME\\n${addressPattern(cp1)}\\s+time\\.cloudflare\\.com\\s+\\d{4}-`));
  });

  it("static pods: control-plane pods ready on control planes, with the machine config's images; none on workers", async () => {
    const table = await run(["get", "staticpodstatus", "--nodes", cp1]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NODE\s+NAMESPACE\s+TYPE\s+ID\s+VERSION\s+READY$/);
    expect(table.stdout).toMatch(/StaticPodStatus\s+kube-system\/kube-apiserver-cp-1\s+1\s+True/);
    const config = parseYaml((await get("machineconfig", [cp1]))[0]!.spec);
    const apiserver = (await get("staticpodstatus", [cp1])).find((s) => s.metadata.id === "kube-system/kube-apiserver-cp-1")!;
    expect(apiserver.spec).toMatchObject({ phase: "Running", containerStatuses: [{ name: "kube-apiserver", image: config.cluster.apiServer.image, ready: true }] });
    expect((await get("kubeletspec", [cp1]))[0]!.spec).toMatchObject({ image: config.machine.kubelet.image, expectedNodename: "cp-1" });
    expect(await get("staticpodstatus", [w1])).toEqual([]);
  });

  it("cluster identity: every node's identity, nodename and hostname agree with the members every node sees", async () => {
    const nodes = [cp1, cp2, w1];
    const identities = await get("identities", nodes);
    const hostnames = await get("hostname", nodes);
    const nodenames = await get("nodename", nodes);
    const info = await get("infos", nodes);
    expect(new Set(info.map((i) => i.spec.clusterId)).size).toBe(1);
    for (const viewer of [cp2, w1]) {
      const members = await get("members", [viewer]);
      expect(members).toHaveLength(5);
      for (const [index, node] of nodes.entries()) {
        const member = members.find((m) => m.metadata.id === nodenames[index]!.spec.nodename)!;
        expect(member.spec).toMatchObject({ nodeId: identities[index]!.spec.nodeId, hostname: hostnames[index]!.spec.hostname, addresses: expect.arrayContaining([node]) });
      }
    }
    const affiliates = await get("affiliates", [cp1]);
    expect(affiliates.map((a) => a.metadata.id).sort()).toEqual((await get("members", [cp1])).map((m) => m.spec.nodeId).sort());
  });

  it("machine API reads: containers (system and -k), stats, processes, netstat, etcd alarms, images", async () => {
    const containers = await run(["containers", "--nodes", cp1]);
    expect(containers.stdout).toMatch(/^NODE\s+NAMESPACE\s+ID\s+IMAGE\s+PID\s+STATUS\n/);
    expect(containers.stdout).toMatch(/system\s+etcd\s+registry\.k8s\.io\/etcd:v3\.6\.8\s+\d+\s+RUNNING/);
    const pods = await run(["containers", "-k", "--nodes", cp1]);
    expect(pods.stdout).toMatch(/k8s\.io\s+kube-system\/kube-apiserver-cp-1\s+registry\.k8s\.io\/pause:3\.10\s+\d+\s+SANDBOX_READY/);
    expect(pods.stdout).toMatch(/k8s\.io\s+└─ kube-system\/kube-apiserver-cp-1:kube-apiserver:[0-9a-f]{12}\s+registry\.k8s\.io\/kube-apiserver:v1\.35\.2\s+\d+\s+CONTAINER_RUNNING/);
    expect((await header(["stats", "--nodes", cp1]))).toEqual(["NODE", "NAMESPACE", "ID", "MEMORY(MB)", "CPU"]);
    const processes = await run(["processes", "--nodes", cp1]);
    expect(processes.stdout.split("\n")[0]).toMatch(/^NODE\s+PID\s+STATE\s+THREADS\s+CPU-TIME\s+VIRTMEM\s+RESMEM\s+LABEL\s+COMMAND$/);
    expect(processes.stdout).toMatch(/\s1\s+S\s+\d+\s+[\d.]+\s+\S+ \S+\s+\S+ \S+\s+system_u:system_r:init_t:s0\s+\/sbin\/init/);
    const etcdPid = /system\s+etcd\s+\S+\s+(\d+)\s+RUNNING/.exec(containers.stdout)![1];
    expect(processes.stdout).toMatch(new RegExp(`\\s${etcdPid}\\s.*/usr/local/bin/etcd`));
    const listening = await run(["netstat", "--listening", "--nodes", cp1]);
    expect(listening.stdout).toMatch(/tcp6\s+0\s+0\s+:::50000\s+:::\*\s+LISTEN/);
    expect(listening.stdout).toMatch(new RegExp(`tcp\\s+0\\s+0\\s+${addressPattern(cp1)}:2380\\s+0\\.0\\.0\\.0:\\*\\s+LISTEN`));
    expect((await run(["netstat", "--nodes", cp1])).stdout).toMatch(new RegExp(`${addressPattern(cp1)}:\\d+\\s+${addressPattern(cp2)}:2380\\s+ESTABLISHED`));
    const alarms = await run(["etcd", "alarm", "list", "--nodes", cp1]);
    expect([alarms.code, alarms.stdout]).toEqual([0, ""]);
    const images = await run(["image", "list", "--nodes", cp1]);
    expect(images.stdout).toMatch(/^NODE\s+IMAGE\s+DIGEST\s+SIZE\s+CREATED\n/);
    expect(images.stdout).toMatch(/registry\.k8s\.io\/kube-apiserver:v1\.35\.2\s+sha256:[0-9a-f]{64}\s+\d+ MB\s+\d{4}-/);
    expect((await run(["image", "list", "--namespace", "system", "--nodes", cp1])).stdout).toMatch(/ghcr\.io\/siderolabs\/kubelet:v1\.35\.2/);
    const apiserverLog = await run(["logs", "-k", "kube-system/kube-apiserver-cp-1:kube-apiserver", "--nodes", cp1]);
    expect(apiserverLog.stdout).toMatch(/container="kube-apiserver"/);
  });

  it("files: list, read, usage; errors as machined reports them", async () => {
    // apid's answer names the node, so talosctl prints the NODE column even for one node.
    const root = (await run(["list", "/", "--nodes", cp1])).stdout.split("\n").filter(Boolean);
    expect(root[0]).toMatch(/^NODE\s+NAME$/);
    expect(root.slice(1).map((line) => line.split(/\s+/))).toEqual([".", "bin", "dev", "etc", "lib", "opt", "proc", "run", "sbin", "sys", "system", "tmp", "usr", "var"].map((name) => [cp1, name]));
    expect((await run(["list", "/var/lib", "-l", "--nodes", cp1])).stdout).toMatch(/drwx------\s+60\s+60\s+4096\s+.*\setcd\n/);
    expect((await run(["read", "/etc/hostname", "--nodes", cp1])).stdout).toBe("cp-1");
    expect((await run(["read", "/proc/mounts", "--nodes", cp1])).stdout).toMatch(/^\/dev\/sda4 \/var xfs /m);
    const missing = await run(["read", "/etc/nope", "--nodes", cp1]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/code = NotFound desc = stat \/etc\/nope: no such file or directory/);
    expect((await run(["read", "/var", "--nodes", cp1])).stderr).toMatch(/path must be a regular file/);
    const usage = await run(["usage", "/var", "--nodes", cp1]);
    expect(usage.stdout.split("\n")[0]).toMatch(/^NODE\s+SIZE\s+NAME$/);
    const total = Number(new RegExp(`${addressPattern(cp1)}\\s+(\\d+)\\s+\\.$`, "m").exec(usage.stdout)![1]);
    const used = /\/dev\/sda4\s+[\d.]+\s+([\d.]+)\s/.exec((await run(["mounts", "--nodes", cp1])).stdout)![1];
    // du counts files, df the filesystem: what du finds under /var is most of what df says is used.
    expect(total / 1e9).toBeLessThanOrEqual(Number(used));
    expect(total / 1e9).toBeGreaterThan(Number(used) * 0.9);
  });

  it("image calls refuse a containerd namespace that is not system or CRI, as machined does", async () => {
    for (const method of ["ImagePull", "ImageList"]) {
      const answer = machineCall(sim.talosconfig, cp1, method, { namespace: "NS_UNKNOWN", reference: "registry.k8s.io/pause:3.10" });
      await expect(answer, method).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: "invalid namespace NS_UNKNOWN" });
    }
  });

  it("the COSI API refuses types and namespaces Talos does not have, as its access policy does", async () => {
    const client = cosiClient(sim.talosconfig, cp1);
    try {
      await expect(client.list(cp1, "runtime", "Bogus.talos.dev")).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'resource type "Bogus.talos.dev" is not supported' });
      await expect(client.list(cp1, "nowhere", "LinkStatuses.net.talos.dev")).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'namespace "nowhere" is not supported' });
      expect(await client.list(cp1, "runtime", "LinkStatuses.net.talos.dev")).toEqual([]);
    } finally {
      client.close();
    }
    const unknown = await run(["get", "clusteridentity", "--nodes", cp1]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('resource "clusteridentity" is not registered')]);
  });
});
