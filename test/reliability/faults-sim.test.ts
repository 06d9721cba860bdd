// Faults of the nodes: unreachable, slow, flapping, an etcd member down, a clock not in sync —
// injected into simulated clusters that the real talosctl drives. The built server runs over
// stdio; each fault must give a clear isError result within the call's timeout, leave no process
// behind, and the next call must be served.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { settledDescendants } from "../helpers/processes.js";
import { accept } from "../helpers/session.js";
import { addressOf } from "../helpers/sim.js";
import { resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

const TIMEOUT_MS = 4_000;
/** Timeout + the runner's SIGTERM→SIGKILL grace + slack on a loaded 2-core machine. */
const WITHIN_MS = TIMEOUT_MS + 3_000 + 10_000;

const root = mkdtempSync(join(tmpdir(), "talos-mcp-faults-sim-"));

function scenario(name: string, stage: string, nodes: string): string {
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nstage: ${stage}\nnodes:\n${nodes}`);
  return file;
}

/** A simulated cluster from `nodes` and a server on it, for the enclosing describe block. */
function faultCluster(name: string, stage: string, nodes: string[]): { sim: SimHandle; server: StdioServer } {
  const world = {} as { sim: SimHandle; server: StdioServer };
  beforeAll(async () => {
    world.sim = await startSimulation({ scenario: scenario(name, stage, nodes.map((node) => `  - ${node}`).join("\n")), dir: join(root, name) });
    world.server = await serve(world.sim);
  }, 120_000);
  afterAll(async () => {
    await world.server?.close();
    await world.sim?.stop();
  });
  return world;
}

async function serve(sim: SimHandle): Promise<StdioServer> {
  const config = join(mkdtempSync(join(root, "config-")), "config.yaml");
  writeFileSync(config, `commandTimeoutMs: ${TIMEOUT_MS}\n`);
  const server = await startStdioServer({ args: ["--talosconfig", sim.talosconfig, "--config", config], capabilities: { elicitation: { form: {} } } });
  // Consent: the person agrees and types back what is asked (the faults are under test, not consent).
  server.client.setRequestHandler(ElicitRequestSchema, (request) => accept(request.params.message, Object.keys(("requestedSchema" in request.params && request.params.requestedSchema?.properties) || {})));
  return server;
}

async function call(server: StdioServer, name: string, args: Record<string, unknown>) {
  const started = Date.now();
  const result = await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  return { result, text: resultText(result), ms: Date.now() - started };
}

/** A fault's call: isError with `expected`, in time, no process left; then a healthy call is served. */
async function expectClearFailure(server: StdioServer, outcome: Awaited<ReturnType<typeof call>>, expected: RegExp, healthy: () => Promise<Awaited<ReturnType<typeof call>>>) {
  expect(outcome.result.isError, outcome.text).toBe(true);
  expect(outcome.text).toMatch(expected);
  expect(outcome.ms).toBeLessThan(WITHIN_MS);
  expect(await settledDescendants(server.pid)).toEqual([]);
  const next = await healthy();
  expect(next.result.isError, next.text).toBeFalsy();
}

describe("a running cluster with unreachable, slow, flapping nodes and an etcd member down", () => {
  const world = faultCluster("reliability-faults", "running", [
    "{ name: cp-1, address: 127.0.0.11, role: controlplane }",
    "{ name: cp-2, address: 127.0.0.12, role: controlplane, faults: { etcdDown: true } }",
    "{ name: cp-3, address: 127.0.0.13, role: controlplane }",
    "{ name: w-1, address: 127.0.0.21, role: worker, faults: { unreachable: true } }",
    "{ name: w-2, address: 127.0.0.22, role: worker, faults: { slowMs: 30000 } }",
    "{ name: w-3, address: 127.0.0.23, role: worker, faults: { flapping: true } }",
  ]);
  const version = (node: string) => call(world.server, "version", { nodes: [addressOf(world.sim, node)] });

  it("unreachable node: connection refused, with the next step", async () => {
    await expectClearFailure(world.server, await version("w-1"), /connection refused[\s\S]*Next: the node is not reachable on the Talos API/, () => version("cp-1"));
  });

  it("slow node: stopped at the timeout, said so", async () => {
    await expectClearFailure(world.server, await version("w-2"), /timed out after 4000 ms; the process was stopped[\s\S]*did not finish in time/, () => version("cp-1"));
  });

  it("flapping node: each call answers or fails clearly, and the server keeps serving", async () => {
    const first = await version("w-3");
    expect(first.result.isError, first.text).toBeFalsy();
    await expectClearFailure(world.server, await version("w-3"), /connection refused/, () => version("w-3"));
  });

  it("etcd member down: a reboot that would lose quorum is refused before anything runs", async () => {
    const outcome = await call(world.server, "reboot", { nodes: [addressOf(world.sim, "cp-1")] });
    await expectClearFailure(world.server, outcome, /Denied by rule quorum[\s\S]*Nothing was run/, () => version("cp-1"));
    expect(world.sim.events().some((e) => e.method === "/machine.MachineService/Reboot")).toBe(false);
    expect(world.server.audit().at(-2)).toMatchObject({ tool: "reboot", decision: "denied", rules: ["quorum"] });
  });
});

describe("a configured cluster whose clock is not in sync", () => {
  const world = faultCluster("reliability-clock", "installed", [
    "{ name: cp-1, address: 127.0.0.11, role: controlplane, faults: { timeNotSynced: true } }",
    "{ name: w-1, address: 127.0.0.21, role: worker }",
  ]);

  it("bootstrap fails with the node's reason and the next step; nothing is retried", async () => {
    const outcome = await call(world.server, "bootstrap", { nodes: [addressOf(world.sim, "cp-1")] });
    await expectClearFailure(world.server, outcome, /it was not retried[\s\S]*time is not in sync yet/, () => call(world.server, "version", { nodes: [addressOf(world.sim, "cp-1")] }));
    expect(world.sim.events().filter((e) => e.method === "/machine.MachineService/Bootstrap")).toHaveLength(1);
  });
});
