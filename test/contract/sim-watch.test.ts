// Contract: COSI watches and resource versions on the simulator, with the real talosctl — what
// `get --watch`, `patch machineconfig` and `upgrade-k8s` rely on: a version that goes up when a
// resource changes, a watch that shows machined restarting the kubelet after a new kubelet image
// (destroyed, created, healthy), and machine configs marked as YAML strings (talos.dev/yaml-spec).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimEvent, type SimHandle } from "../../src/sim/index.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf, eventMatching } from "../helpers/sim.js";
import { TALOSCTL, talosctl } from "../helpers/talosctl.js";
import { outputMatching } from "../helpers/wait.js";

describe("COSI watch and versions (running-3cp-2w)", () => {
  let sim: SimHandle;
  let dir: string;
  let worker: string;
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig, cwd: dir });
  const version = async (type: string) => Number((parseJsonStream((await run(["get", type, "--output", "json", "--nodes", worker])).stdout)[0] as { metadata: { version: number } }).metadata.version);
  const kubeletImage = (image: string) => JSON.stringify([{ op: "replace", path: "/machine/kubelet/image", value: image }]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-watch-"));
    sim = await startSimulation({ scenario: "running-3cp-2w", dir: join(dir, "sim") });
    worker = addressOf(sim, "worker-1");
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("patch machineconfig reads the config as Talos marks it (a YAML string) and its version goes up", async () => {
    const before = await version("machineconfig");
    const unchanged = await version("machineconfig");
    expect(unchanged).toBe(before);
    const patched = await run(["patch", "machineconfig", "--mode", "no-reboot", "--patch", kubeletImage("ghcr.io/siderolabs/kubelet:v1.35.1"), "--nodes", worker]);
    expect(patched.code, patched.stderr).toBe(0);
    expect(patched.stderr + patched.stdout).toMatch(/Applied configuration without a reboot/);
    expect(await version("machineconfig")).toBe(before + 1);
    const yaml = await run(["get", "machineconfig", "--output", "yaml", "--nodes", worker]);
    expect(yaml.stdout).toMatch(/annotations:\s+talos\.dev\/yaml-spec: "?1"?/);
    expect(yaml.stdout).toMatch(/image: ghcr\.io\/siderolabs\/kubelet:v1\.35\.1/);
  });

  it("get --watch shows machined restarting the kubelet after a new kubelet image: destroyed, created, healthy", async () => {
    const onWorker = (e: SimEvent) => e.node === "worker-1";
    const kubeletHealthy = (e: SimEvent) => onWorker(e) && e.detail?.service === "kubelet" && e.detail.restart === "healthy";
    await eventMatching(sim, kubeletHealthy, 0); // the first test's kubelet restart is over
    // Started only now: a watch begun during that restart would start from a kubelet not yet healthy.
    // JSON output: talosctl prints each event as it arrives (a table only when it exits).
    const watching = eventMatching(sim, (e) => onWorker(e) && e.method === "/cosi.resource.State/Watch");
    const watch = execa(TALOSCTL, ["get", "services", "kubelet", "--watch", "--output", "json", "--nodes", worker], { env: { TALOSCONFIG: sim.talosconfig, HOME: dir }, extendEnv: false, reject: false });
    let output = "";
    watch.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await watching;
    const restarted = eventMatching(sim, kubeletHealthy);
    const updated = outputMatching(watch.stdout!, /"event": "updated"[\s\S]*\n}\n/);
    const patched = await run(["patch", "machineconfig", "--mode", "no-reboot", "--patch", kubeletImage("ghcr.io/siderolabs/kubelet:v1.35.2"), "--nodes", worker]);
    expect(patched.code, patched.stderr).toBe(0);
    await restarted;
    // The healthy kubelet's update is the last event of the restart: once talosctl printed it, it saw them all.
    await updated;
    watch.kill();
    await watch;
    type Event = { event: string; metadata: { version: number }; spec: { running: boolean; healthy: boolean; unknown: boolean } };
    const events = (parseJsonStream(output) as Event[]).map((e) => [e.event, e.metadata.version, e.spec]);
    const healthy = { running: true, healthy: true, unknown: false };
    expect(events).toEqual([
      ["created", 1, healthy],
      ["destroyed", 1, healthy],
      ["created", 1, { running: true, healthy: false, unknown: true }],
      ["updated", 2, healthy],
    ]);
    const restart = sim.events().filter((e) => onWorker(e) && e.detail?.service === "kubelet").map((e) => e.detail!.restart);
    expect(restart.slice(-3)).toEqual(["stopped", "starting", "healthy"]);
  });

  it("watching a resource that does not exist starts with a tombstone, which talosctl cannot print (as with a real node)", async () => {
    // Talos's state server answers with a DESTROYED event whose resource is a tombstone without a
    // spec; talosctl's output then fails to render it and exits.
    const watched = eventMatching(sim, (e) => e.node === "worker-1" && e.kind === "api-call" && e.method === "/cosi.resource.State/Watch");
    const watch = await execa(TALOSCTL, ["get", "services", "no-such-service", "--watch", "--nodes", worker], { env: { TALOSCONFIG: sim.talosconfig, HOME: dir }, extendEnv: false, reject: false, timeout: 30_000 });
    expect([watch.exitCode, watch.stderr.trim()]).toEqual([1, "YAML spec is not specified"]);
    expect((await watched).code).toBe("OK");
  });
});
