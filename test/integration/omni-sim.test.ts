// The Omni tools through a real MCP client, with the real omnictl, against the simulated Omni:
// read, sync from nothing, wait with progress, change, tear down (typed confirmation), export
// round trip, credentials into the workspace; and the omni-reconcile guard refusing talosctl writes
// to Omni's machines before anything runs. No key material in any result or in the Omni's log.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Config } from "../../src/config.js";
import { accept, acceptTyped, configFor, session, text, type Elicit } from "../helpers/session.js";
import { startStdioServer } from "../helpers/stdio-server.js";
import { clusterTemplate, startOmni, type OmniSim as Omni } from "../helpers/omni.js";

const omniCalls = (sim: Omni, method: string) => sim.events().filter((e) => e.kind === "api-call" && e.method === `/cosi.resource.State/${method}`);

describe("Omni tools against the simulated Omni, through MCP", () => {
  let sim: Omni;
  let dir: string;
  let config: Config;
  let ids: string[];
  const results: string[] = [];
  const write = (name: string, body: string) => writeFileSync(join(config.workspace, name), body);
  const track = <T extends { content?: unknown }>(result: T) => (results.push(JSON.stringify(result)), result);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-omni-sim-"));
    sim = await startOmni("omni-fresh", join(dir, "sim"), 1_500);
    ids = sim.omni.machines.map((m) => m.id);
    config = Object.freeze({ ...configFor(dir), omniconfig: sim.omni.omniconfig, omniServiceAccountKeyFile: sim.omni.serviceAccountKeyFile, omniCaFile: sim.omni.caFile });
    mkdirSync(join(config.workspace, "omni"), { recursive: true });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("omni-get lists the registered machines as parsed JSON", async () => {
    const { call } = await session(config);
    const result = track(await call("omni-get", { type: "machines" }));
    expect(result.isError, text(result)).toBeFalsy();
    const resources = (result.structuredContent as { resources: { metadata: { id: string } }[] }).resources;
    expect(resources.map((r) => r.metadata.id).sort()).toEqual([...ids].sort());
  });

  it("template-sync from nothing asks with the diff as the plan, then template-status waits with progress", async () => {
    write("omni/cluster.yaml", clusterTemplate("demo", ids.slice(0, 3), [ids[3]!]));
    // The machines come up only after the wait has reported progress, however slow this machine is.
    const release = sim.omni.holdReadiness();
    let asked = "";
    const { call } = await session(config, { elicit: (message, properties) => ((asked = message), accept(message, properties)) });
    const sync = track(await call("template-sync", { template: "omni/cluster.yaml" }));
    expect(sync.isError, text(sync)).toBeFalsy();
    expect(asked).toMatch(/Sync Omni cluster template for demo/);
    expect((sync.structuredContent as { actions: { action: string }[] }).actions.filter((a) => a.action === "creating").length).toBeGreaterThanOrEqual(7);
    expect(omniCalls(sim, "Create").length).toBeGreaterThanOrEqual(7);

    let progress = 0;
    const status = track(await call("template-status", { template: "omni/cluster.yaml", waitSeconds: 30, pollSeconds: 1 }, { onprogress: () => ((progress += 1), release()) }));
    expect(status.structuredContent).toMatchObject({ healthy: true });
    expect(text(status)).toMatch(/Cluster "demo" RUNNING Ready \(4\/4\)/);
    expect(progress).toBeGreaterThan(0);
  });

  it("a change (one more worker, newer Kubernetes) is synced without a typed confirmation", async () => {
    write("omni/cluster.yaml", clusterTemplate("demo", ids.slice(0, 3), [ids[3]!, ids[4]!], "v1.35.3"));
    const { call } = await session(config, { elicit: accept });
    const sync = track(await call("template-sync", { template: "omni/cluster.yaml" }));
    expect(sync.isError, text(sync)).toBeFalsy();
    expect(text(sync)).toMatch(/updating Clusters\.omni\.sidero\.dev\(demo\)/);
    expect(text(sync)).toContain(`creating MachineSetNodes.omni.sidero.dev(${ids[4]})`);
  });

  it("removing a machine is destructive: nothing happens without the cluster name typed back", async () => {
    write("omni/cluster.yaml", clusterTemplate("demo", ids.slice(0, 3), [ids[3]!], "v1.35.3"));
    const teardowns = omniCalls(sim, "Teardown").length;
    const wrong: Elicit = () => ({ action: "accept", content: { confirm: true, typed: "dem0" } });
    const refused = track(await (await session(config, { elicit: wrong })).call("template-sync", { template: "omni/cluster.yaml" }));
    expect(refused.isError).toBe(true);
    expect(omniCalls(sim, "Teardown")).toHaveLength(teardowns);

    const declined = track(await (await session(config, { elicit: () => ({ action: "decline" }) })).call("template-sync", { template: "omni/cluster.yaml" }));
    expect(declined.isError).toBe(true);
    expect(omniCalls(sim, "Teardown")).toHaveLength(teardowns);

    const done = track(await (await session(config, { elicit: acceptTyped("demo") })).call("template-sync", { template: "omni/cluster.yaml" }));
    expect(done.isError, text(done)).toBeFalsy();
    expect(text(done)).toContain(`destroyed MachineSetNodes.omni.sidero.dev(${ids[4]})`);
    expect(omniCalls(sim, "Teardown").length).toBe(teardowns + 1);
  });

  it("template-export → template-validate → template-sync reports no change", async () => {
    const { call } = await session(config, { elicit: accept });
    const exported = track(await call("template-export", { cluster: "demo", output: "omni/exported.yaml" }));
    expect(exported.structuredContent).toMatchObject({ path: "omni/exported.yaml", clusters: ["demo"] });
    const validated = track(await call("template-validate", { template: "omni/exported.yaml" }));
    expect(validated.structuredContent).toMatchObject({ valid: true });
    const creates = omniCalls(sim, "Create").length;
    const sync = track(await call("template-sync", { template: "omni/exported.yaml" }));
    expect(sync.isError, text(sync)).toBeFalsy();
    expect(text(sync)).toMatch(/No change/);
    expect(omniCalls(sim, "Create")).toHaveLength(creates);
  });

  it("writes the kubeconfig and talosconfig into the workspace (0600), returning only path, size and hash", async () => {
    const { call } = await session(config, { elicit: accept });
    const kubeconfig = track(await call("omni-kubeconfig", { cluster: "demo", user: "automation", groups: ["ops:view"] }));
    expect(kubeconfig.structuredContent).toMatchObject({ path: "omni/kubeconfig", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(statSync(join(config.workspace, "omni/kubeconfig")).mode & 0o777).toBe(0o600);
    const token = /token: (\S+)/.exec(readFileSync(join(config.workspace, "omni/kubeconfig"), "utf8"))?.[1];
    expect(token).toBeTruthy();
    expect(JSON.stringify(kubeconfig)).not.toContain(token!);

    const talosconfig = track(await call("omni-talosconfig", { cluster: "demo", output: "omni/talosconfig" }));
    expect(talosconfig.isError, text(talosconfig)).toBeFalsy();
    expect(readFileSync(join(config.workspace, "omni/talosconfig"), "utf8")).toContain("siderov1");

    const talosconfigCalls = sim.events().filter((e) => e.method === "/management.ManagementService/Talosconfig").length;
    const breakGlass = track(await call("omni-talosconfig", { cluster: "demo", breakGlass: true, output: "omni/bg", overwrite: true }));
    expect(text(breakGlass)).toMatch(/omniBreakGlass/);
    expect(sim.events().filter((e) => e.method === "/management.ManagementService/Talosconfig")).toHaveLength(talosconfigCalls);
  });

  it("minting a kubeconfig is a change: consent, one hour by default, cluster-admin only when asked, from an admin, typed back", async () => {
    const kubeconfigCalls = () => sim.events().filter((e) => e.method === "/management.ManagementService/Kubeconfig").length;
    const before = kubeconfigCalls();
    const noElicitation = track(await (await session(config)).call("omni-kubeconfig", { cluster: "demo", user: "ci", groups: ["ops:view"], output: "omni/ci" }));
    expect(text(noElicitation)).toMatch(/needs a person's approval/);
    expect(text(noElicitation)).toMatch(/Mint a 1h kubeconfig for Omni cluster demo \(user ci, groups ops:view\)/);
    expect(existsSync(join(config.workspace, "omni/ci"))).toBe(false);
    const operator = track(await (await session(config, { elicit: accept, role: "operator" })).call("omni-kubeconfig", { cluster: "demo", user: "ci", groups: ["system:masters"], output: "omni/ci" }));
    expect(text(operator)).toMatch(/Denied by rule role-ceiling: a system:masters \(cluster-admin\) kubeconfig needs role admin/);
    let asked: string[] = [];
    const admin = await session(config, { elicit: (message, properties) => ((asked = properties), { action: "accept", content: { confirm: true, typed: "wrong" } }) });
    expect(text(track(await admin.call("omni-kubeconfig", { cluster: "demo", user: "ci", groups: ["system:masters"], output: "omni/ci" })))).toMatch(/typed confirmation did not match "demo"/);
    expect(asked).toEqual(["confirm", "typed"]);
    expect(text(track(await (await session(config, { elicit: accept })).call("omni-kubeconfig", { cluster: "demo", user: "ci" })))).toMatch(/field 'groups' is required/);
    expect(kubeconfigCalls()).toBe(before);
    const minted = track(await (await session(config, { elicit: accept })).call("omni-kubeconfig", { cluster: "demo", user: "ci", groups: ["system:masters"], output: "omni/ci" }));
    expect(minted.isError, text(minted)).toBeFalsy();
    expect(kubeconfigCalls()).toBe(before + 1);
  });

  it("with the Omni talosconfig in the workspace, read tools reach the nodes through Omni; writes stay refused", async () => {
    const { call } = await session(config, { elicit: accept });
    const written = track(await call("omni-talosconfig", { cluster: "demo" }));
    expect(written.structuredContent).toMatchObject({ path: "demo/talosconfig" });
    expect(text(written)).toMatch(/cluster: demo/);
    const version = track(await call("version", { cluster: "demo", nodes: [ids[0]!, ids[3]!] }));
    expect(version.isError, text(version)).toBeFalsy();
    expect((version.structuredContent as { nodes: { tag: string }[] }).nodes.map((n) => n.tag)).toEqual(["v1.12.6", "v1.12.6"]);
    const etcd = track(await call("etcd-status", { cluster: "demo", nodes: [ids[0]!] }));
    expect(etcd.isError, text(etcd)).toBeFalsy();
    const before = sim.events().length;
    const upgrade = track(await call("upgrade", { cluster: "demo", nodes: [ids[0]!], image: "ghcr.io/siderolabs/installer:v1.12.7" }));
    expect(text(upgrade)).toMatch(/Denied by rule omni-reconcile/);
    expect(sim.events()).toHaveLength(before);
  });

  it("omni-reconcile: talosctl writes through Omni's talosconfig are refused and nothing reaches a node", async () => {
    const guarded = Object.freeze({ ...config, talosconfig: join(config.workspace, "omni/talosconfig") });
    const { call } = await session(guarded, { elicit: accept });
    const before = sim.events().length;
    for (const [tool, args] of [
      ["apply", { nodes: [ids[0]!], file: "omni/cluster.yaml" }],
      ["bootstrap", { nodes: [ids[0]!] }],
    ] as const) {
      const result = track(await call(tool, args));
      expect(text(result), tool).toMatch(/Denied by rule omni-reconcile: this cluster is managed by Omni \(its talosconfig context uses Omni's SideroV1 auth\)[\s\S]*template-sync/);
    }
    // Refused from the talosconfig alone: nothing reached Omni (or, through it, a node).
    expect(sim.events()).toHaveLength(before);
  });

  it("omni-reconcile: a plain talosconfig is refused too when its nodes are in Omni's machine list", async () => {
    const address = sim.omni.machines[0]!.id;
    const plain = join(dir, "plain-talosconfig");
    writeFileSync(plain, stringify({ context: "direct", contexts: { direct: { endpoints: ["10.5.0.2"], nodes: [], ca: "", crt: "", key: "" } } }));
    const { call } = await session(Object.freeze({ ...config, talosconfig: plain }), { elicit: accept });
    const lists = omniCalls(sim, "List").length;
    const result = track(await call("bootstrap", { nodes: [address] }));
    expect(text(result)).toMatch(new RegExp(`Denied by rule omni-reconcile: this cluster is managed by Omni \\(Omni lists ${address} among its machines\\)`));
    expect(omniCalls(sim, "List").length).toBeGreaterThan(lists);

    // Maintenance-mode applies use no talosconfig: the machine list still decides.
    write("omni/worker.yaml", "version: v1alpha1\nmachine:\n  type: worker\n");
    const insecure = track(await call("apply", { nodes: [sim.omni.machines[5]!.id], file: "omni/worker.yaml", insecure: true }));
    expect(text(insecure)).toMatch(/Denied by rule omni-reconcile[\s\S]*among its machines/);
  });

  it("omni-reconcile: a node named by its hostname is recognised as Omni's machine, not compared as a string", async () => {
    const machine = sim.omni.machines[1]!;
    const plain = join(dir, "plain-talosconfig");
    writeFileSync(plain, stringify({ context: "direct", contexts: { direct: { endpoints: ["10.5.0.2"], nodes: [], ca: "", crt: "", key: "" } } }));
    const { call } = await session(Object.freeze({ ...config, talosconfig: plain }), { elicit: accept });
    const result = track(await call("reboot", { nodes: [machine.name.toUpperCase()] }));
    expect(text(result)).toMatch(new RegExp(`Denied by rule omni-reconcile: this cluster is managed by Omni \\(Omni lists ${machine.name.toUpperCase()} among its machines\\)`));
  });

  it("omni-reconcile: with an Omni configured but unreachable, talosctl writes are refused (unknown is not allowed)", async () => {
    const unreachable = join(dir, "unreachable-omniconfig");
    writeFileSync(unreachable, stringify({ context: "gone", contexts: { gone: { url: "http://127.0.0.1:9" } } }));
    const plain = join(dir, "plain-talosconfig");
    const { call } = await session(Object.freeze({ ...config, omniconfig: unreachable, talosconfig: plain }), { elicit: accept });
    const result = track(await call("bootstrap", { nodes: ["10.5.0.9"] }));
    expect(text(result)).toMatch(/Denied by rule omni-reconcile: an Omni is configured but its machine list could not be read/);
  });

  it("a SideroV1 (Omni) talosconfig without an Omni key fails at once, naming the fix, instead of waiting for a browser", async () => {
    const noKey = Object.freeze({ ...configFor(dir), talosconfig: sim.talosconfig });
    const { call } = await session(noKey);
    const started = Date.now();
    const result = track(await call("version", { nodes: ["172.20.0.2"] }));
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/The talosconfig context sim-omni signs in through Omni \(SideroV1\)\. No Omni service-account key is configured; without one omnictl \(and talosctl with an Omni-issued talosconfig\) would wait for a browser login, so nothing was run[\s\S]*OMNI_SERVICE_ACCOUNT_KEY/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("no result and no line of the Omni's log carries key material", () => {
    const key = readFileSync(sim.omni.serviceAccountKeyFile, "utf8").trim();
    const armored = JSON.parse(Buffer.from(key, "base64").toString("utf8")).pgp_key as string;
    const keyBody = armored.split("\n").find((line) => line.length > 40)!;
    for (const haystack of [...results, readFileSync(sim.eventsFile, "utf8")]) {
      expect(haystack).not.toContain(key.slice(0, 32));
      expect(haystack).not.toContain(keyBody);
      expect(haystack).not.toMatch(/PGP PRIVATE KEY/);
    }
  });
});

describe("serve --sim omni-running (built server over stdio)", () => {
  it("points the Omni tools at the simulated Omni and guards its cluster, ignoring the operator's Omni environment", async () => {
    // An operator's real Omni settings in the environment must not leak into a simulation.
    const server = await startStdioServer({ args: ["--sim", "omni-running"], env: { OMNI_ENDPOINT: "http://127.0.0.1:9", OMNI_SERVICE_ACCOUNT_KEY: "bm90IGEga2V5" } });
    try {
      const clusters = await server.client.callTool({ name: "omni-get", arguments: { type: "clusters" } });
      expect(clusters.isError, text(clusters)).toBeFalsy();
      expect((clusters.structuredContent as { resources: { metadata: { id: string } }[] }).resources.map((r) => r.metadata.id)).toEqual(["prod"]);
      const apply = await server.client.callTool({ name: "apply", arguments: { nodes: ["10.5.0.2"], file: "x.yaml" } });
      expect(text(apply)).toMatch(/Denied by rule omni-reconcile/);
      // Reads go through Omni with the Omni-issued talosconfig, signed with the service-account key.
      const version = await server.client.callTool({ name: "version", arguments: { nodes: ["172.20.0.2", "172.20.0.5"] } });
      expect(version.isError, text(version)).toBeFalsy();
      expect(version.structuredContent).toMatchObject({ nodes: [{ node: "172.20.0.2", tag: "v1.12.6" }, { node: "172.20.0.5", tag: "v1.12.6" }] });
      const services = await server.client.callTool({ name: "services", arguments: { nodes: ["172.20.0.2"] } });
      expect(services.isError, text(services)).toBeFalsy();
      expect(text(services)).toMatch(/etcd/);
      const nodes = await server.client.readResource({ uri: "talos://sim/nodes" });
      expect(JSON.parse((nodes.contents[0] as { text: string }).text)).toHaveLength(6);
      // The audit log and the server's stderr carry no key material (the sim's key is generated per run).
      const audit = JSON.stringify(server.audit());
      expect(audit).toContain("omni-get");
      for (const haystack of [audit, server.stderr()]) {
        expect(haystack).not.toMatch(/PGP PRIVATE KEY|eyJuYW1lIjoi/);
      }
    } finally {
      await server.close();
    }
  });
});
