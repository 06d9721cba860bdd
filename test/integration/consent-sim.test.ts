// Consent against the simulator with the real talosctl, through a real MCP client: an approval
// covers exactly the files that were shown (issue 13, point 3), checked on the simulator's own
// record of what reached a node.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { decidePlan } from "../../src/server/approvals.js";
import { FileApprovalStore } from "../../src/server/approval-store.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { accept, configFor, session, text, type Elicit } from "../helpers/session.js";

const calls = (sim: SimHandle, method: string) => sim.events().filter((e) => e.kind === "api-call" && e.method === `/machine.MachineService/${method}`);
const verdict = (result: { _meta?: Record<string, unknown> }) => result._meta?.["io.github.talos-mcp/verdict"] as { decision: string; planId: string };
const worker = { patches: [{ inline: "machine:\n  network:\n    hostname: swapped\n" }] };

describe("consent on the simulator", () => {
  let sim: SimHandle;
  let dir: string;
  let config: Config;
  let net: string;
  let store: FileApprovalStore;
  const approveAs = (id: string, typed?: string) => decidePlan(store, id, { approve: true, typed, by: "alice", via: "terminal" }, Date.now());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-consent-sim-"));
    sim = await startSimulation({ scenario: "fresh-3cp-2w", dir: join(dir, "sim") });
    net = sim.nodes[0]!.address.split(".").slice(0, 3).join(".");
    config = configFor(dir);
    store = new FileApprovalStore(join(config.stateDir, "approvals"));
    const { call } = await session(config, { elicit: accept });
    expect((await call("gen-config", { cluster: "demo", endpoint: `https://${net}.11:6443` })).isError).toBeFalsy();
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an approved control-plane apply is refused once patch-config rewrote the file as a worker config, naming the file", async () => {
    const person = await session(config);
    const tools = await session(config, { elicit: accept });
    expect((await tools.call("patch-config", { file: "demo/controlplane.yaml", ...worker, output: "demo/cp-a.yaml" })).isError).toBeFalsy();
    const args = { cluster: "demo", nodes: [`${net}.11`], file: "demo/cp-a.yaml", insecure: true };
    const planned = await person.call("apply", args);
    const { planId } = verdict(planned);
    expect(text(planned)).toMatch(/controlplane of cluster demo/);
    expect(await approveAs(planId, `${net}.11`)).toMatchObject({ ok: true });
    // No consent is needed to rewrite an ordinary workspace file...
    const swapped = await tools.call("patch-config", { file: "demo/worker.yaml", ...worker, output: "demo/cp-a.yaml", overwrite: true });
    expect(swapped.isError, text(swapped)).toBeFalsy();
    // ...but the approval covered the control-plane config that was shown, not this one.
    const redeemed = await person.call("apply", { ...args, planId });
    expect(text(redeemed)).toMatch(/Not confirmed: demo\/cp-a\.yaml changed after plan/);
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(0);
  });

  it("the same holds when the agent approves its own plans (--consent plan)", async () => {
    const own = await session(Object.freeze({ ...config, consent: "plan" as const, allowUnconfirmedDestructive: true }));
    const tools = await session(config, { elicit: accept });
    await tools.call("patch-config", { file: "demo/controlplane.yaml", ...worker, output: "demo/cp-b.yaml" });
    const args = { cluster: "demo", nodes: [`${net}.12`], file: "demo/cp-b.yaml", insecure: true, confirm: `${net}.12` };
    const { planId } = verdict(await own.call("apply", args));
    await tools.call("patch-config", { file: "demo/worker.yaml", ...worker, output: "demo/cp-b.yaml", overwrite: true });
    expect(text(await own.call("apply", { ...args, planId }))).toMatch(/demo\/cp-b\.yaml changed after plan/);
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(0);
  });

  it("a file rewritten while the user reads the consent form is refused too", async () => {
    const tools = await session(config, { elicit: accept });
    await tools.call("patch-config", { file: "demo/controlplane.yaml", ...worker, output: "demo/cp-c.yaml" });
    const slowUser: Elicit = (message, properties) => {
      copyFileSync(join(config.workspace, "demo/worker.yaml"), join(config.workspace, "demo/cp-c.yaml"));
      return accept(message, properties);
    };
    const { call } = await session(config, { elicit: slowUser });
    expect(text(await call("apply", { cluster: "demo", nodes: [`${net}.13`], file: "demo/cp-c.yaml", insecure: true }))).toMatch(/demo\/cp-c\.yaml changed while consent was being given/);
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(0);
  });
});
