// Contract: `talos-mcp sim up|events|scenarios` as a separate process (the BUILT cli), driven by
// the real talosctl, and stopped by SIGTERM: exit 0, every port freed, no process left behind.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/stdio-server.js";
import { TALOSCTL, talosctl } from "../helpers/talosctl.js";

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, "sim", ...args], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr })),
  );
}

const portIsFree = (address: string) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once("error", () => resolve(false))
      .listen(50000, address, () => server.close(() => resolve(true)));
  });

describe("talos-mcp sim (built CLI)", () => {
  it("scenarios lists the shipped scenarios", async () => {
    const result = await cli(["scenarios"]);
    expect(result.code).toBe(0);
    for (const name of ["fresh-3cp-2w", "running-3cp-2w", "single-node", "quorum-at-risk", "omni-fresh", "omni-running"]) expect(result.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, "m"));
  });

  it("unknown flags and commands exit 2 with a clear error; --help exits 0", async () => {
    const flag = await cli(["up", "--scenario", "single-node", "--dir", "/tmp/x", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/talos-mcp sim: .*--bogus.*\(see talos-mcp sim --help\)/);
    const command = await cli(["down"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'down'/);
    const missing = await cli(["up", "--dir", "/tmp/x"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--scenario is required/);
    const help = await cli(["events", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/talos-mcp sim events --dir DIR \[--json\]/);
  });

  it("up serves talosctl, records the calls, and SIGTERM stops it cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-cli-"));
    const scenario = join(dir, "one.yaml");
    writeFileSync(scenario, "name: one\nstage: running\nnodes:\n  - { name: cp-1, address: 127.0.74.11, role: controlplane }\n");
    const child = spawn(process.execPath, [CLI, "sim", "up", "--scenario", scenario, "--dir", join(dir, "sim")], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    const started = JSON.parse(line!);
    // The node keeps its last octet and moves to a free loopback block chosen at start.
    const address = started.nodes[0].address as string;
    expect(address).toMatch(/^127\.\d+\.\d+\.11$/);
    expect(started).toMatchObject({ endpoints: [address], nodes: [{ name: "cp-1", address, role: "controlplane" }], talosconfig: join(dir, "sim", "talosconfig") });

    const version = await talosctl(["version", "--nodes", address], { talosconfig: started.talosconfig });
    expect(version.code).toBe(0);
    expect(await portIsFree(address)).toBe(false);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await portIsFree(address)).toBe(true);
    expect(() => process.kill(child.pid!, 0)).toThrow();

    const events = await cli(["events", "--dir", join(dir, "sim"), "--json"]);
    expect(events.code).toBe(0);
    const text = await cli(["events", "--dir", join(dir, "sim")]);
    expect(text.stdout).toMatch(/^\S+Z cp-1 api-call \/machine\.MachineService\/Version OK/m);
    expect(JSON.parse(events.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ node: "cp-1", kind: "api-call", method: "/machine.MachineService/Version", code: "OK" })]));
  });

  it("up --scenario omni-running starts a simulated Omni and prints what omnictl needs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-omni-cli-"));
    const child = spawn(process.execPath, [CLI, "sim", "up", "--scenario", "omni-running", "--dir", join(dir, "sim")], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
      const started = JSON.parse(line!);
      expect(started).toMatchObject({
        scenario: "omni-running",
        url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        omniconfig: join(dir, "sim", "omniconfig"),
        talosconfig: join(dir, "sim", "talosconfig"),
        clusters: ["prod"],
        env: { OMNI_ENDPOINT: expect.any(String), OMNI_SERVICE_ACCOUNT_KEY: expect.any(String), SSL_CERT_FILE: join(dir, "sim", "omni-ca.pem") },
      });
      expect(started.machines).toHaveLength(6);
      expect(started.machines.filter((m: { cluster?: string }) => m.cluster === "prod")).toHaveLength(4);
      expect(started.machines[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      const omnictl = join(TALOSCTL, "..", "omnictl");
      const clusters = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(omnictl, ["get", "clusters"], { env: { PATH: process.env.PATH, HOME: dir, BROWSER: "echo", ...started.env } }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout })),
      );
      expect(clusters.code).toBe(0);
      expect(clusters.stdout).toMatch(/default\s+Cluster\s+prod/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const events = await cli(["events", "--dir", join(dir, "sim")]);
    expect(events.stdout).toMatch(/omni api-call \/cosi\.resource\.State\/List OK/);
  });
});
