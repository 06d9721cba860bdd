#!/usr/bin/env node
// `npm run demo:replicas`: two replicas of talos-mcp serve one simulated cluster and share their
// state through a real Kubernetes API (kube-apiserver + etcd from scripts/build-k8s, on loopback).
// The replicas act as the Helm chart's ServiceAccount (its Role rendered by the real helm, a real
// TokenRequest token). Both race to bootstrap the same cluster: exactly one Bootstrap reaches the
// node and the other replica answers bootstrap-once. The last line is one JSON object:
//   {"eventsFile", "replicas", "bootstrapCalls", "results", "leases", "ledger"}.
// Nothing leaves this machine; everything started here is stopped at the end, and only the
// simulator's directory (the events file) is kept (--keep keeps everything).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { stringify } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => import(join(root, "dist/src", path));
const { startApiServer } = await dist("sim/kubernetes/apiserver.js");
const { chartIdentity } = await dist("sim/kubernetes/chart.js");
const { renderKubeconfig } = await dist("kubernetes/kubeconfig.js");
const { startSimulation } = await dist("sim/index.js");

const keep = process.argv.includes("--keep");
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-demo-replicas-"));
// The simulator's event record outlives the run (the last line points at it).
const simDir = mkdtempSync(join(tmpdir(), "talos-mcp-demo-replicas-sim-"));
const namespace = "talos-mcp";
const VERDICT = "io.github.talos-mcp/verdict";
const log = (text) => console.log(text);
const textOf = (result) => (result.content ?? []).map((item) => item.text ?? "").join("\n");

const stops = [];
let exitCode = 0;
try {
  log("▶ Kubernetes API (kube-apiserver + etcd) on loopback, RBAC on");
  const api = await startApiServer({ parentDir: dir });
  stops.push(() => api.stop());
  log(`  ${api.url}`);

  log(`▶ the chart's ServiceAccount, Role and RoleBinding in namespace ${namespace} (helm template), and a token for it`);
  const identity = await chartIdentity(api, namespace);
  await identity.client.close();
  const kubeconfig = join(dir, "state.kubeconfig");
  writeFileSync(kubeconfig, renderKubeconfig({ server: api.url, caPem: api.ca.certPem, token: identity.token }, { cluster: "state", user: "talos-mcp" }), { mode: 0o600 });

  log("▶ a simulated Talos cluster: one control plane, configured, not bootstrapped");
  const scenario = join(dir, "scenario.yaml");
  writeFileSync(scenario, stringify({ name: "replicas-demo", stage: "installed", joinDelayMs: 0, nodes: [{ name: "cp-1", address: "127.0.44.11", role: "controlplane" }] }));
  const sim = await startSimulation({ scenario, dir: simDir });
  stops.push(() => sim.stop());
  const node = sim.nodes[0].address;

  const config = join(dir, "replica.yaml");
  writeFileSync(config, stringify({ state: "kubernetes", stateKubernetes: { kubeconfig, namespace }, lockLeaseSeconds: 10, lockWaitMs: 60_000 }));
  const replicas = [];
  for (const name of ["replica-a", "replica-b"]) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(root, "dist/src/cli.js"), "serve", "--config", config, "--talosconfig", sim.talosconfig, "--consent", "plan", "--allow-unconfirmed-destructive",
        "--workspace", join(dir, name, "workspace"), "--state-dir", join(dir, name, "state"), "--log-level", "warn"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, POD_NAME: name },
      stderr: "inherit",
    });
    const client = new Client({ name: `talos-mcp-demo-${name}`, version: "1.0.0" });
    await client.connect(transport);
    stops.push(() => client.close());
    replicas.push({ name, client });
  }
  log(`▶ two replicas (${replicas.map((r) => r.name).join(", ")}), state backend kubernetes, --consent plan`);

  log(`▶ each replica plans bootstrap on ${node}`);
  const plans = await Promise.all(replicas.map((r) => r.client.callTool({ name: "bootstrap", arguments: { nodes: [node] } })));
  const planIds = plans.map((plan) => plan._meta?.[VERDICT]?.planId);
  if (!planIds.every(Boolean)) throw new Error(`a replica did not return a plan: ${plans.map(textOf).join(" | ")}`);

  log("▶ both run their plan at the same moment");
  const results = await Promise.all(replicas.map((r, i) => r.client.callTool({ name: "bootstrap", arguments: { nodes: [node], planId: planIds[i], confirm: node } })));
  results.forEach((result, i) => log(`  ${replicas[i].name}: ${textOf(result).split("\n")[0]}`));

  const bootstrapCalls = sim.events().filter((e) => e.kind === "api-call" && e.method === "/machine.MachineService/Bootstrap").length;
  const leases = (await api.admin.list(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`)).items.map((lease) => ({
    name: lease.metadata.name,
    scope: lease.metadata.annotations?.["talos-mcp.io/scope"],
    holder: lease.spec.holderIdentity ?? null,
    transitions: lease.spec.leaseTransitions ?? 0,
  }));
  const ledgers = (await api.admin.list(`/api/v1/namespaces/${namespace}/configmaps`, { labelSelector: "talos-mcp.io/kind=ledger" })).items;
  const ledger = ledgers.map((item) => ({ scope: item.metadata.annotations?.["talos-mcp.io/scope"], ...JSON.parse(item.data["state.json"]) }));
  const ok = bootstrapCalls === 1 && results.filter((r) => !r.isError).length === 1 && results.some((r) => /bootstrap-once/.test(textOf(r)));
  if (!ok) exitCode = 1;
  log(ok ? "✔ exactly one Bootstrap reached the node; the other replica answered bootstrap-once" : "✘ the race did not end with exactly one bootstrap");
  log(JSON.stringify({
    eventsFile: sim.eventsFile,
    replicas: replicas.map((r) => r.name),
    bootstrapCalls,
    results: results.map((r, i) => ({ replica: replicas[i].name, isError: Boolean(r.isError), text: textOf(r).split("\n")[0] })),
    leases,
    ledger,
  }));
} catch (error) {
  console.error(`demo:replicas failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
