#!/usr/bin/env node
// `npm run demo`: the server's main job, end to end, on the built-in simulated cluster.
// A real MCP client (the SDK v2 client, speaking MCP 2026-07-28: consent comes back as an
// InputRequiredResult that the client answers) starts `talos-mcp serve --sim fresh-3cp-2w` over stdio and walks
// the create-a-cluster workflow: gen-config → validate → apply (maintenance mode) → bootstrap →
// health → kubeconfig → etcd-backup, then shows the guard refusing a second bootstrap and an
// invented command. The client supports elicitation and accepts every plan it is shown, printing
// it, so the consent flow is visible. Nothing leaves this machine.
// `npm run demo:omni` (--scenario=omni-fresh) walks create-a-cluster-with-Omni on the simulated
// Omni instead: machines → cluster template → validate → sync → status → kubeconfig/talosconfig →
// a read through Omni, then the guard refusing a talosctl write to the Omni cluster.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const root = fileURLToPath(new URL("..", import.meta.url));
const keep = process.argv.includes("--keep");
const scenario = process.argv.find((arg) => arg.startsWith("--scenario="))?.slice("--scenario=".length) ?? "fresh-3cp-2w";
const dir = mkdtempSync(join(tmpdir(), "talos-mcp-demo-"));
const workspace = join(dir, "workspace");

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const step = (text) => console.log(`\n${bold(`▶ ${text}`)}`);
const indent = (text, n = 4) => text.split("\n").map((line) => " ".repeat(n) + line).join("\n");

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [join(root, "dist/src/cli.js"), "serve", "--sim", scenario, "--workspace", workspace, "--state-dir", join(dir, "state"), "--audit-log", join(dir, "audit.jsonl"), "--log-level", "warn"],
  env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir },
  stderr: "inherit",
});
// Pinned rather than negotiated: `auto` would probe with a second server process (and simulator).
const client = new Client({ name: "talos-mcp-demo", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } });
client.setRequestHandler("elicitation/create", async (request) => {
  console.log(dim(indent(`[consent requested]\n${request.params.message}`, 6)));
  const content = { confirm: true };
  const typed = request.params.requestedSchema?.properties?.typed;
  if (typed) content.typed = /Type (\S+) to confirm/.exec(typed.title ?? "")?.[1];
  console.log(dim("      [demo user] accepts"));
  return { action: "accept", content };
});

async function call(name, args, { expectError = false } = {}) {
  // health and template-status wait up to 60 s by themselves; on a busy machine a call may take
  // longer than the SDK's 60 s default, so each gets 3 minutes, renewed by its progress.
  const result = await client.callTool({ name, arguments: args }, { timeout: 180_000, resetTimeoutOnProgress: true });
  const text = (result.content ?? []).map((item) => item.text ?? "").join("\n");
  if (Boolean(result.isError) !== expectError) {
    console.error(indent(text));
    throw new Error(`${name} ${expectError ? "was expected to be refused" : "failed"}`);
  }
  console.log(indent(text.length > 1200 ? `${text.slice(0, 1200)}\n…` : text));
  return result;
}

async function talosWorkflow(nodes) {
  const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => n.address);
  const workers = nodes.filter((n) => n.role === "worker").map((n) => n.address);
  const first = controlPlanes[0];

  step("gen-config: secrets bundle and machine configs (0600, never returned)");
  await call("gen-config", { cluster: "demo", endpoint: `https://${first}:6443` });
  step("validate-config");
  await call("validate-config", { file: "demo/controlplane.yaml" });
  step("apply: control-plane nodes in maintenance mode (consent asked)");
  await call("apply", { cluster: "demo", nodes: controlPlanes, file: "demo/controlplane.yaml", insecure: true });
  if (workers.length) {
    step("apply: worker nodes");
    await call("apply", { cluster: "demo", nodes: workers, file: "demo/worker.yaml", insecure: true });
  }
  step(`bootstrap: etcd on ${first}, once (every control plane checked live first)`);
  await call("bootstrap", { cluster: "demo", nodes: [first] });
  step("health (with progress)");
  await call("health", { cluster: "demo", nodes: [first], waitTimeoutSeconds: 60 });
  step("kubeconfig into the workspace");
  await call("kubeconfig", { cluster: "demo", nodes: [first] });
  step("etcd-backup: talosctl etcd snapshot");
  await call("etcd-backup", { cluster: "demo", nodes: [first] });

  step("the guard: a second bootstrap on another control plane is refused before it runs");
  await call("bootstrap", { cluster: "demo", nodes: [controlPlanes[1] ?? first] }, { expectError: true });
  step("the guard: policy-check on a command the skill invents");
  await call("policy-check", { text: "talosctl etcd backup --nodes 10.0.0.2\nssh root@10.0.0.2" });
}

async function omniWorkflow(machines) {
  const ids = machines.map((m) => m.address);
  step("omni-get: the machines registered with Omni");
  await call("omni-get", { type: "machines" });
  step("a cluster template in the workspace: three control planes, two workers");
  mkdirSync(join(workspace, "omni"), { recursive: true });
  const template = (workers) =>
    [
      "kind: Cluster\nname: demo\nkubernetes:\n  version: v1.35.2\ntalos:\n  version: v1.12.6",
      `kind: ControlPlane\nmachines:\n${ids.slice(0, 3).map((id) => `  - ${id}`).join("\n")}`,
      `kind: Workers\nmachines:\n${workers.map((id) => `  - ${id}`).join("\n")}`,
    ].join("\n---\n");
  writeFileSync(join(workspace, "omni/cluster.yaml"), template([ids[3], ids[4]]));
  console.log(indent(template([ids[3], ids[4]])));
  step("template-validate (offline)");
  await call("template-validate", { template: "omni/cluster.yaml" });
  step("template-sync: the template diff is the plan (consent asked)");
  await call("template-sync", { template: "omni/cluster.yaml" });
  step("template-status: wait until Omni reports the cluster ready (with progress)");
  await call("template-status", { template: "omni/cluster.yaml", waitSeconds: 60, pollSeconds: 1 });
  step("omni-kubeconfig (minting a credential: consent asked) and omni-talosconfig into the workspace (0600, never returned)");
  await call("omni-kubeconfig", { cluster: "demo", user: "automation", groups: ["ops:view"] });
  await call("omni-talosconfig", { cluster: "demo" });
  step("version through Omni: read tools use the Omni talosconfig (signed with the service-account key)");
  await call("version", { cluster: "demo", nodes: [ids[0], ids[3]] });
  step("the guard: talosctl writes to Omni's machines are refused (change the template instead)");
  await call("apply", { nodes: [ids[0]], file: "omni/cluster.yaml", insecure: true }, { expectError: true });
  step("template-sync: removing a worker is destructive (the cluster name is typed back)");
  writeFileSync(join(workspace, "omni/cluster.yaml"), template([ids[3]]));
  await call("template-sync", { template: "omni/cluster.yaml" });
}

const started = Date.now();
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  console.log(`${bold("talos-mcp demo")} — simulated ${scenario.startsWith("omni-") ? "Omni" : "cluster"} '${scenario}', ${tools.length} tools, MCP ${client.getNegotiatedProtocolVersion()}, workspace ${workspace}`);

  const nodes = await client.readResource({ uri: "talos://sim/nodes" }).then(
    (r) => JSON.parse(r.contents[0].text),
    () => undefined,
  );
  if (!nodes) throw new Error("the simulator did not publish talos://sim/nodes");
  await (scenario.startsWith("omni-") ? omniWorkflow(nodes) : talosWorkflow(nodes));
  console.log(`\n${bold("done")} in ${((Date.now() - started) / 1000).toFixed(1)} s; audit log: ${join(dir, "audit.jsonl")}`);
} finally {
  await client.close().catch(() => undefined);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
