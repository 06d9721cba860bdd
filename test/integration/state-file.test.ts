// The file state backend between processes (issue 18): two stdio servers on one state directory
// race to bootstrap one simulated cluster — one Bootstrap reaches the node, the other call is
// refused by bootstrap-once, because both take the cluster's lock file and read one ledger.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { addressOf } from "../helpers/sim.js";
import { resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

const VERDICT = "io.github.talos-mcp/verdict";

describe("file state backend: two processes on one state directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-state-file-"));
  const servers: StdioServer[] = [];
  let sim: SimHandle | undefined;
  afterAll(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    await sim?.stop();
  });

  it("race to bootstrap one cluster: exactly one Bootstrap, the other gets bootstrap-once", async () => {
    const scenario = join(dir, "installed.yaml");
    writeFileSync(scenario, stringify({ name: "file-race", stage: "installed", joinDelayMs: 0, nodes: [{ name: "cp-1", address: "127.0.44.11", role: "controlplane" }] }));
    sim = await startSimulation({ scenario, dir: join(dir, "sim") });
    const stateDir = join(dir, "shared-state");
    // The later --state-dir wins over the helper's own.
    const start = () => startStdioServer({ args: ["--talosconfig", sim!.talosconfig, "--consent", "plan", "--allow-unconfirmed-destructive", "--state-dir", stateDir] });
    const [a, b] = await Promise.all([start(), start()]);
    servers.push(a, b);
    const node = addressOf(sim, "cp-1");
    const plans = await Promise.all([a, b].map((s) => s.client.callTool({ name: "bootstrap", arguments: { nodes: [node] } })));
    const planIds = plans.map((plan) => (plan._meta?.[VERDICT] as { planId?: string } | undefined)?.planId);
    expect(planIds.every(Boolean), plans.map(resultText).join("\n")).toBe(true);
    const results = await Promise.all([a, b].map((s, i) => s.client.callTool({ name: "bootstrap", arguments: { nodes: [node], planId: planIds[i], confirm: node } })));
    expect(results.filter((r) => !r.isError), results.map(resultText).join("\n---\n")).toHaveLength(1);
    expect(resultText(results.find((r) => r.isError)!)).toMatch(/Denied by rule bootstrap-once: this server already bootstrapped context:/);
    expect(sim.events().filter((e) => e.kind === "api-call" && e.method === "/machine.MachineService/Bootstrap")).toHaveLength(1);
    // Both used the shared directory: one ledger, and the lock file is gone after the calls.
    expect(readdirSync(join(stateDir, "clusters"))).toHaveLength(1);
    expect(readdirSync(join(stateDir, "locks")).filter((name) => name.endsWith(".lock"))).toEqual([]);
  }, 120_000);
});
