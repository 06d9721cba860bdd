// Contract: COSI watches and resource versions on the simulator, with the real talosctl — what
// `get --watch`, `patch machineconfig` and `upgrade-k8s` rely on: a version that goes up when a
// resource changes, a watch that shows machined restarting the kubelet after a new kubelet image
// (destroyed, created, healthy), and machine configs marked as YAML strings (talos.dev/yaml-spec).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { addressOf } from "../helpers/sim.js";
import { TALOSCTL, talosctl } from "../helpers/talosctl.js";

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
    // talosctl prints a watch's table when it exits (its output is not a terminal): follow the
    // simulator's record instead, then stop the watch and read what it saw.
    const until = async (seen: () => boolean) => {
      for (let waited = 0; !seen() && waited < 20_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    const watches = () => sim.events().filter((e) => e.node === "worker-1" && e.method === "/cosi.resource.State/Watch").length;
    const restarts = () => sim.events().filter((e) => e.node === "worker-1" && e.detail?.service === "kubelet" && e.detail.restart === "healthy").length;
    await until(() => restarts() > 0); // the first test's kubelet restart is over
    const [watchesBefore, restartsBefore] = [watches(), restarts()];
    // Started only now: a watch begun during that restart would start from a kubelet not yet healthy.
    const watch = execa(TALOSCTL, ["get", "services", "kubelet", "--watch", "--nodes", worker], { env: { TALOSCONFIG: sim.talosconfig, HOME: dir }, extendEnv: false, reject: false, timeout: 30_000 });
    let output = "";
    watch.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await until(() => watches() > watchesBefore);
    const patched = await run(["patch", "machineconfig", "--mode", "no-reboot", "--patch", kubeletImage("ghcr.io/siderolabs/kubelet:v1.35.2"), "--nodes", worker]);
    expect(patched.code, patched.stderr).toBe(0);
    await until(() => restarts() > restartsBefore);
    // The last update reaches talosctl over its stream after the simulator recorded it; talosctl
    // prints only when it exits, so give the stream time even on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    watch.kill();
    await watch;
    const events = output.trim().split("\n").slice(1).map((line) => line.split(/\s+/).slice(1, 8).join(" "));
    expect(events).toEqual([
      "+ runtime Service kubelet 1 true true",
      "- runtime Service kubelet 1 true true",
      "+ runtime Service kubelet 1 true false",
      "runtime Service kubelet 2 true true false",
    ]);
    const restart = sim.events().filter((e) => e.node === "worker-1" && e.detail?.service === "kubelet").map((e) => e.detail!.restart);
    expect(restart.slice(-3)).toEqual(["stopped", "starting", "healthy"]);
  });

  it("watching a resource that does not exist starts with nothing to show, and ends cleanly", async () => {
    const watch = await execa(TALOSCTL, ["get", "services", "no-such-service", "--watch", "--nodes", worker], { env: { TALOSCONFIG: sim.talosconfig, HOME: dir }, extendEnv: false, reject: false, timeout: 3_000 });
    expect(watch.stderr).not.toMatch(/error|Unimplemented/i);
    expect(sim.events().some((e) => e.kind === "api-call" && e.method === "/cosi.resource.State/Watch" && e.code === "OK")).toBe(true);
  });
});
