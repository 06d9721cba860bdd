// Faults of the CLIs the server runs: talosctl/omnictl missing, of the wrong version, crashing,
// killed, hanging (with a grandchild), printing 100 MB, printing forever, exiting 0 with garbage.
// The built server runs over stdio against a simulated cluster and a simulated Omni, with
// TALOSCTL/OMNICTL pointing at stubs. Every fault must give a clear isError result within the
// call's timeout, leave no process behind, keep the server's memory bounded, and the next call
// (the real CLI again) must be served.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { faultStub, privateCache, type FaultMode, type FaultStub } from "../helpers/cli-stubs.js";
import { startOmni, type OmniSim } from "../helpers/omni.js";
import { peakRssMiB, settledDescendants } from "../helpers/processes.js";
import { addressOf } from "../helpers/sim.js";
import { resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

/** The child timeout the server is configured with for this test. */
const TIMEOUT_MS = 4_000;
/** Timeout + the runner's SIGTERM→SIGKILL grace + start-up slack on a loaded 2-core machine. */
const WITHIN_MS = TIMEOUT_MS + 3_000 + 10_000;

const EXPECTED: Record<Exclude<FaultMode, "ok">, RegExp> = {
  crash: /failed \(exit 2\)[\s\S]*panic: runtime error/,
  killed: /failed \(exit 1\)/,
  hang: /timed out after 4000 ms; the process was stopped/,
  flood: /printed more than 1000000 bytes; the process was stopped/,
  forever: /printed more than 1000000 bytes; the process was stopped/,
  garbage: /printed output that is not understood/,
};

const root = mkdtempSync(join(tmpdir(), "talos-mcp-faults-cli-"));
let sim: SimHandle;
let omni: OmniSim;
let cache: string;
let talosctl: FaultStub;
let omnictl: FaultStub;
let server: StdioServer;

function configFile(extra = ""): string {
  const file = join(mkdtempSync(join(root, "config-")), "config.yaml");
  writeFileSync(file, `commandTimeoutMs: ${TIMEOUT_MS}\n${extra}`);
  return file;
}

beforeAll(async () => {
  cache = await privateCache();
  sim = await startSimulation({ scenario: "running-3cp-2w", dir: join(root, "sim") });
  omni = await startOmni("omni-running", join(root, "omni"), 100);
  talosctl = faultStub(root, "talosctl");
  omnictl = faultStub(root, "omnictl");
  server = await startStdioServer({
    env: { TALOSCTL: talosctl.path, OMNICTL: omnictl.path, TALOS_MCP_CACHE: cache },
    args: [
      "--talosconfig",
      sim.talosconfig,
      "--config",
      configFile(`omniconfig: ${omni.omni.omniconfig}\nomniServiceAccountKeyFile: ${omni.omni.serviceAccountKeyFile}\nomniCaFile: ${omni.omni.caFile}\n`),
    ],
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await sim?.stop();
  await omni?.stop();
});

const call = async (name: string, args: Record<string, unknown>) => {
  const started = Date.now();
  const result = await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  return { result, text: resultText(result), ms: Date.now() - started };
};

describe.each([
  { binary: "talosctl" as const, stub: () => talosctl, tool: "version", args: () => ({ nodes: [addressOf(sim, "cp-1")] }) },
  { binary: "talosctl" as const, stub: () => talosctl, tool: "etcd-status", args: () => ({ nodes: [addressOf(sim, "cp-1")] }) },
  { binary: "omnictl" as const, stub: () => omnictl, tool: "omni-get", args: () => ({ type: "machines" }) },
])("$binary faults, seen through $tool", ({ stub, tool, args }) => {
  it.each(Object.keys(EXPECTED) as Exclude<FaultMode, "ok">[])("%s: a clear isError within the timeout, no process left, the next call served", async (mode) => {
    const peakBefore = peakRssMiB(server.pid);
    stub().setMode(mode);
    try {
      const { result, text, ms } = await call(tool, args());
      expect(result.isError, text).toBe(true);
      expect(text).toMatch(EXPECTED[mode]);
      expect(ms).toBeLessThan(WITHIN_MS);
      expect(await settledDescendants(server.pid)).toEqual([]);
      // 100 MB through the pipe must not become 100 MB of memory.
      expect(peakRssMiB(server.pid) - peakBefore).toBeLessThan(64);
    } finally {
      stub().setMode("ok");
    }
    const next = await call(tool, args());
    expect(next.result.isError, next.text).toBeFalsy();
  });
});

describe("a CLI that is missing or of another version", () => {
  it("TALOSCTL naming no executable: the call says so and names the fix", async () => {
    const missing = await startStdioServer({ env: { TALOSCTL: join(root, "no-such-talosctl"), TALOS_MCP_CACHE: cache }, args: ["--talosconfig", sim.talosconfig] });
    try {
      const result = await missing.client.callTool({ name: "version", arguments: { nodes: [addressOf(sim, "cp-1")] } });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/TALOSCTL=.*no-such-talosctl is not an executable file; fix the variable or unset it/);
      expect((await missing.client.callTool({ name: "policy-check", arguments: { text: "talosctl version" } })).isError).toBeFalsy();
    } finally {
      await missing.close();
    }
  });

  it("no talosctl anywhere (no variable, empty build cache, not on PATH)", async () => {
    const bare = await startStdioServer({ env: { PATH: "/usr/bin:/bin", TALOS_MCP_CACHE: mkdtempSync(join(root, "empty-cache-")) }, args: ["--talosconfig", sim.talosconfig] });
    try {
      const result = await bare.client.callTool({ name: "version", arguments: { nodes: [addressOf(sim, "cp-1")] } });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/talosctl was not found[\s\S]*npm run clis/);
      expect(await settledDescendants(bare.pid)).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it("a talosctl of another minor version is refused before it runs", async () => {
    const old = faultStub(mkdtempSync(join(root, "old-")), "talosctl", { version: "v1.11.5" });
    const wrong = await startStdioServer({ env: { TALOSCTL: old.path, TALOS_MCP_CACHE: cache }, args: ["--talosconfig", sim.talosconfig] });
    try {
      const result = await wrong.client.callTool({ name: "version", arguments: { nodes: [addressOf(sim, "cp-1")] } });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/talosctl at .* is v1\.11\.5, outside the supported range \(pinned: v1\.12\.6\)[\s\S]*npm run clis/);
      const audit = wrong.audit().at(-1)!;
      expect(audit).toMatchObject({ tool: "version", decision: "error", argv: [] });
    } finally {
      await wrong.close();
    }
  });
});
