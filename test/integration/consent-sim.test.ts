// Consent against the simulator with the real talosctl, through a real MCP client: an approval
// covers exactly the files that were shown (issue 13, point 3), irreversible changes are typed
// back and plans show what decides their outcome (point 4), and workspace files that matter are
// never replaced (point 6) — each checked on the simulator's own record of what reached a node.
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { decidePlan } from "../../src/server/approvals.js";
import { FileApprovalStore } from "../../src/server/approval-store.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { accept, configFor, session, text, type Elicit } from "../helpers/session.js";
import { eventually } from "../helpers/wait.js";

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

  it("installing a node in maintenance mode is destructive: the plan names the installer and the wiped disk, and the nodes are typed back", async () => {
    let asked = { message: "", properties: [] as string[] };
    const wrong = await session(config, { elicit: (message, properties) => ((asked = { message, properties }), { action: "accept", content: { confirm: true, typed: `${net}.11` } }) });
    const cps = [`${net}.11`, `${net}.12`, `${net}.13`];
    expect(text(await wrong.call("apply", { cluster: "demo", nodes: cps, file: "demo/controlplane.yaml", insecure: true }))).toMatch(/typed confirmation did not match/);
    expect(asked.properties).toEqual(["confirm", "typed"]);
    expect(asked.message).toMatch(/INSTALL Talos on 3 nodes .*: wipe \/dev\/\w+ and install ghcr\.io\/siderolabs\/installer:v1\.12\.6 as controlplane/);
    expect(asked.message).toMatch(new RegExp(`Type ${cps.join(",").replaceAll(".", "\\.")} to confirm`));
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(0);
    const { call } = await session(config, { elicit: accept });
    const applied = await call("apply", { cluster: "demo", nodes: cps, file: "demo/controlplane.yaml", insecure: true });
    expect(applied.isError, text(applied)).toBeFalsy();
    expect(calls(sim, "ApplyConfiguration")).toHaveLength(3);
  });

  it("bootstrap and etcd-restore need the node typed back, like reset", async () => {
    const seen: Record<string, { message: string; properties: string[] }> = {};
    const declining = (tool: string): Elicit => (message, properties) => ((seen[tool] = { message, properties }), { action: "decline" });
    await (await session(config, { elicit: declining("bootstrap") })).call("bootstrap", { cluster: "demo", nodes: [`${net}.11`] });
    copyFileSync(join(config.workspace, "demo/worker.yaml"), join(config.workspace, "demo/fake.snapshot"));
    await (await session(config, { elicit: declining("etcd-restore") })).call("etcd-restore", { cluster: "demo", nodes: [`${net}.11`], snapshot: "demo/fake.snapshot" });
    for (const tool of ["bootstrap", "etcd-restore"]) {
      expect(seen[tool]?.properties, tool).toEqual(["confirm", "typed"]);
      expect(seen[tool]!.message, tool).toMatch(new RegExp(`Type ${net.replaceAll(".", "\\.")}\\.11 to confirm`));
    }
    expect(seen["etcd-restore"]!.message).toMatch(/Reads \(bound to this plan\):\n {2}demo\/fake\.snapshot sha256:/);
    const bootstrapped = await (await session(config, { elicit: accept })).call("bootstrap", { cluster: "demo", nodes: [`${net}.11`] });
    expect(bootstrapped.isError, text(bootstrapped)).toBeFalsy();
    expect(calls(sim, "Bootstrap")).toHaveLength(1);
  });

  it("an upgrade plan shows every flag that decides it: image, --stage, --reboot-mode", async () => {
    // The other control planes join etcd a moment after the bootstrap above (joinDelayMs); until
    // they have, the quorum rule rightly refuses to upgrade one of them before any consent is asked.
    const joined = (node: string) => sim.events().some((e) => e.node === node && e.kind === "state-change" && e.detail?.joined === true);
    await eventually(async () => expect(["cp-2", "cp-3"].filter((node) => !joined(node))).toEqual([]), 30_000);
    let message = "";
    const { call } = await session(config, { elicit: (m) => ((message = m), { action: "decline" }) });
    const declined = await call("upgrade", { cluster: "demo", nodes: [`${net}.12`], image: "ghcr.io/siderolabs/installer:v1.12.7", stage: true, rebootMode: "powercycle" });
    expect(text(declined)).toMatch(/Not confirmed: the user chose decline/);
    expect(message).toContain(`talosctl upgrade --image=ghcr.io/siderolabs/installer:v1.12.7 --stage --reboot-mode=powercycle --wait=false --nodes ${net}.12`);
    expect(message).toMatch(/reboot mode: powercycle/);
    expect(calls(sim, "Upgrade")).toHaveLength(0);
  });

  it("patch-config never replaces a secrets bundle, a renamed one or an etcd snapshot, at any role; ordinary files it wrote are still replaced", async () => {
    const backup = await (await session(config, { elicit: accept })).call("etcd-backup", { cluster: "demo", nodes: [`${net}.11`] });
    const snapshot = (backup.structuredContent as { path: string }).path;
    copyFileSync(join(config.workspace, "demo/secrets.yaml"), join(config.workspace, "demo/x.yaml"));
    const before = (path: string) => readFileSync(join(config.workspace, path));
    const originals = Object.fromEntries(["demo/secrets.yaml", "demo/x.yaml", snapshot].map((path) => [path, before(path)]));
    for (const role of ["admin", "operator"] as const) {
      const { call } = await session(config, { elicit: accept, role });
      for (const output of Object.keys(originals)) {
        const result = await call("patch-config", { file: "demo/worker.yaml", ...worker, output, overwrite: true });
        expect(text(result), `${role} ${output}`).toMatch(/Denied by rule protected-files: .* is not replaced: it holds (a secrets bundle|an etcd snapshot)/);
        expect(before(output).equals(originals[output]!), `${role} ${output}`).toBe(true);
      }
      const ordinary = await call("patch-config", { file: "demo/worker.yaml", ...worker, output: "demo/cp-a.yaml", overwrite: true });
      expect(ordinary.isError, text(ordinary)).toBeFalsy();
    }
    // A refresh of the cluster's own kubeconfig is not a replacement of something that matters.
    const { call } = await session(config, { elicit: accept });
    for (let i = 0; i < 2; i++) {
      const kubeconfig = await call("kubeconfig", { cluster: "demo", nodes: [`${net}.11`] });
      expect(kubeconfig.isError, text(kubeconfig)).toBeFalsy();
    }
  });
});
