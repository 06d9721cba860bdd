// Several replicas, one set of clusters: real `talos-mcp serve` processes (stdio, real SDK client)
// share state through a real kube-apiserver + etcd, acting as the Helm chart's ServiceAccount, and
// drive the real talosctl against simulated clusters. What must hold (issue 18):
//   - two replicas race to bootstrap one cluster: one Bootstrap reaches the nodes, the other is
//     refused by bootstrap-once;
//   - the lock holder is killed with SIGKILL mid-call: its Lease expires and another replica proceeds;
//   - one approved plan used on two replicas at once: it runs once;
//   - a token revoked in the tokens Secret is refused by every replica within seconds;
//   - the API cannot be reached: mutations are refused with a clear error, reads are served.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { execa } from "execa";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKubeconfig } from "../../src/kubernetes/kubeconfig.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { freePort } from "../../src/sim/loopback.js";
import { chartIdentity } from "../../src/sim/kubernetes/chart.js";
import { useApiServer } from "../helpers/kubernetes.js";
import { addressOf } from "../helpers/sim.js";
import { tcpHop, type TcpHop } from "../helpers/tcp-hop.js";
import { tokenEntry } from "../helpers/tokens.js";
import { CLI, resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";
import { alive, eventually } from "../helpers/wait.js";

const NAMESPACE = "talos-mcp";
// Short, so the SIGKILL case waits seconds, not the default 15 — but not so short that a loaded CI
// machine delays a renewal past the give-up point (two thirds of the lease) and a holder loses its
// lock mid-call, as a 3 s lease did once.
const LEASE_SECONDS = 6;
const VERDICT = "io.github.talos-mcp/verdict";
type SimNodeSpec = { name: string; role: "controlplane" | "worker"; octet: number };
const CP_AND_WORKER: SimNodeSpec[] = [
  { name: "cp-1", role: "controlplane", octet: 11 },
  { name: "w-1", role: "worker", octet: 21 },
];

type CallResult = Awaited<ReturnType<StdioServer["client"]["callTool"]>>;
const planIdOf = (result: CallResult) => (result._meta?.[VERDICT] as { planId?: string } | undefined)?.planId;

describe("replicas sharing state through the Kubernetes API", () => {
  const api = useApiServer();
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-replicas-"));
  const sims: SimHandle[] = [];
  const replicas: StdioServer[] = [];
  let token: string;
  let hop: TcpHop;
  beforeAll(async () => {
    token = (await chartIdentity(api(), NAMESPACE)).token;
    // The replicas reach the API through a TCP hop the last test cuts (the API "goes away").
    const target = new URL(api().url);
    hop = await tcpHop({ host: target.hostname, port: Number(target.port) });
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.close().catch(() => undefined);
    for (const sim of sims) await sim.stop();
    await hop?.cut();
  });

  async function simulate(name: string, stage: "installed" | "running", nodes: SimNodeSpec[]): Promise<SimHandle> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({ name, stage, joinDelayMs: 0, nodes: nodes.map((n) => ({ name: n.name, address: `127.0.44.${n.octet}`, role: n.role })) }));
    const sim = await startSimulation({ scenario: file, dir: join(dir, `sim-${name}`) });
    sims.push(sim);
    return sim;
  }

  function writeStateKubeconfig(): string {
    const kubeconfig = join(dir, "state.kubeconfig");
    writeFileSync(kubeconfig, renderKubeconfig({ server: `https://127.0.0.1:${hop.port}`, caPem: api().ca.certPem, token }, { cluster: "state", user: "talos-mcp" }), { mode: 0o600 });
    return kubeconfig;
  }

  async function replica(sim: SimHandle, consent: "plan" | "approve" | "elicit", capabilities = {}): Promise<StdioServer & { pid: number }> {
    const kubeconfig = writeStateKubeconfig();
    const config = join(dir, "replica.yaml");
    writeFileSync(config, stringify({ state: "kubernetes", stateKubernetes: { kubeconfig, namespace: NAMESPACE }, lockLeaseSeconds: LEASE_SECONDS, lockWaitMs: 30_000 }));
    const server = await startStdioServer({ args: ["--config", config, "--talosconfig", sim.talosconfig, "--consent", consent, "--allow-unconfirmed-destructive"], capabilities });
    replicas.push(server);
    return { ...server, pid: (server.client.transport as StdioClientTransport).pid! };
  }

  const bootstraps = (sim: SimHandle) => sim.events().filter((e) => e.method === "/machine.MachineService/Bootstrap" && e.kind === "api-call");
  const reboots = (sim: SimHandle) => sim.events().filter((e) => e.method === "/machine.MachineService/Reboot" && e.kind === "api-call");

  it("two replicas race to bootstrap one cluster: one Bootstrap reaches the node, the other gets bootstrap-once", async () => {
    const sim = await simulate("race", "installed", [{ name: "cp-1", role: "controlplane", octet: 11 }]);
    const [a, b] = await Promise.all([replica(sim, "plan"), replica(sim, "plan")]);
    const node = addressOf(sim, "cp-1");
    const args = { nodes: [node] };
    // Each replica's own plan first (--consent plan: the agent approves its own plans).
    const [planA, planB] = await Promise.all([a.client.callTool({ name: "bootstrap", arguments: args }), b.client.callTool({ name: "bootstrap", arguments: args })]);
    expect([planIdOf(planA), planIdOf(planB)].every(Boolean), resultText(planA) + resultText(planB)).toBe(true);
    const results = await Promise.all([
      a.client.callTool({ name: "bootstrap", arguments: { ...args, planId: planIdOf(planA), confirm: node } }),
      b.client.callTool({ name: "bootstrap", arguments: { ...args, planId: planIdOf(planB), confirm: node } }),
    ]);
    const ran = results.filter((result) => !result.isError);
    const refused = results.filter((result) => result.isError);
    expect(ran, results.map(resultText).join("\n---\n")).toHaveLength(1);
    expect(resultText(ran[0]!)).toMatch(/Bootstrapped etcd on/);
    expect(resultText(refused[0]!)).toMatch(/Denied by rule bootstrap-once: this server already bootstrapped context:/);
    expect(bootstraps(sim)).toHaveLength(1);
  }, 120_000);

  it("the lock holder is killed with SIGKILL mid-call: its Lease expires and another replica proceeds", async () => {
    const sim = await simulate("kill", "running", CP_AND_WORKER);
    const worker = addressOf(sim, "w-1");
    // Replica A holds the cluster's lock while it waits for its user to confirm (who never answers).
    const a = await replica(sim, "elicit", { elicitation: { form: {} } });
    let asked!: () => void;
    const elicited = new Promise<void>((resolve) => (asked = resolve));
    a.client.setRequestHandler(ElicitRequestSchema, () => {
      asked();
      return new Promise(() => undefined);
    });
    void a.client.callTool({ name: "reboot", arguments: { nodes: [worker] } }, undefined, { timeout: 120_000 }).catch(() => undefined);
    await elicited;
    process.kill(a.pid, "SIGKILL");
    await eventually(async () => expect(alive(a.pid)).toBe(false));
    const b = await replica(sim, "plan");
    const started = Date.now();
    const plan = await b.client.callTool({ name: "reboot", arguments: { nodes: [worker] } });
    const done = await b.client.callTool({ name: "reboot", arguments: { nodes: [worker], planId: planIdOf(plan) } });
    expect(done.isError, resultText(done)).toBeFalsy();
    expect(resultText(done)).toMatch(/Rebooted/);
    // B waited for the dead holder's Lease to go unrenewed for its duration.
    expect(Date.now() - started).toBeGreaterThanOrEqual((LEASE_SECONDS - 1) * 1000);
    expect(reboots(sim)).toHaveLength(1);
  }, 120_000);

  it("one approved plan used on two replicas at once runs once", async () => {
    const sim = await simulate("approve", "running", CP_AND_WORKER);
    const worker = addressOf(sim, "w-1");
    const [a, b] = await Promise.all([replica(sim, "approve"), replica(sim, "approve")]);
    const pending = await a.client.callTool({ name: "reboot", arguments: { nodes: [worker] } });
    const planId = planIdOf(pending)!;
    expect(planId, resultText(pending)).toMatch(/^plan-/);
    // A person approves it with the command the verdict names: it reaches the same store in the API.
    const approveCommand = (pending._meta?.[VERDICT] as { approveCommand: string }).approveCommand;
    expect(approveCommand).toMatch(new RegExp(`^talos-mcp approve ${planId} --state kubernetes --state-kubeconfig \\S+ --state-namespace ${NAMESPACE}$`));
    const approved = await execa(process.execPath, [CLI, ...approveCommand.split(" ").slice(1), "--yes"], { reject: false });
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`Approved ${planId}`));
    const results = await Promise.all([a, b].map((replica) => replica.client.callTool({ name: "reboot", arguments: { nodes: [worker], planId } })));
    const ran = results.filter((result) => !result.isError);
    expect(ran, results.map(resultText).join("\n---\n")).toHaveLength(1);
    expect(resultText(results.find((result) => result.isError)!)).toMatch(/already used/);
    expect(reboots(sim)).toHaveLength(1);
  }, 120_000);

  it("a token revoked in the tokens Secret is refused by every HTTP replica within seconds", async () => {
    const tokens = { keep: "tmcp_replicas_keep_token_1", revoke: "tmcp_replicas_revoke_token_2" };
    const entry = (name: string, token: string) => tokenEntry(name, { token, role: "reader" });
    const secret = (entries: object[]) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "talos-mcp-tokens" }, data: { "tokens.yaml": Buffer.from(stringify({ tokens: entries })).toString("base64") } });
    const secrets = `/api/v1/namespaces/${NAMESPACE}/secrets`;
    await api().admin.create(secrets, secret([entry("keep", tokens.keep), entry("revoke", tokens.revoke)]));
    const kubeconfig = writeStateKubeconfig();
    const ports = [await freePort("127.0.0.1"), await freePort("127.0.0.1")];
    const servers = ports.map((port, i) =>
      execa(process.execPath, [CLI, "serve", "--transport", "http", "--host", "127.0.0.1", "--port", String(port), "--state", "kubernetes", "--state-kubeconfig", kubeconfig, "--state-namespace", NAMESPACE, "--tokens-secret", "talos-mcp-tokens", "--state-dir", join(dir, `http-${i}`, "state"), "--workspace", join(dir, `http-${i}`, "ws"), "--log-level", "warn"], { reject: false, env: { PATH: process.env.PATH ?? "", HOME: dir }, extendEnv: false }),
    );
    try {
      // GET /mcp without a session: 400 once the token is accepted, 401 when it is not.
      const statusFor = async (port: number, token: string) => (await fetch(`http://127.0.0.1:${port}/mcp`, { headers: { authorization: `Bearer ${token}`, accept: "application/json, text/event-stream" } })).status;
      for (const port of ports) await eventually(async () => expect(await statusFor(port, tokens.revoke)).toBe(400), 60_000);
      await api().admin.replace(`${secrets}/talos-mcp-tokens`, secret([entry("keep", tokens.keep)]));
      const revokedAt = Date.now();
      for (const port of ports) await eventually(async () => expect(await statusFor(port, tokens.revoke)).toBe(401), 10_000);
      expect(Date.now() - revokedAt).toBeLessThan(10_000);
      for (const port of ports) expect(await statusFor(port, tokens.keep)).toBe(400);
    } finally {
      for (const server of servers) server.kill("SIGTERM");
      await Promise.all(servers);
    }
  }, 120_000);

  it("the API cannot be reached: mutations are refused with a clear error, reads are served", async () => {
    const sim = await simulate("cut", "running", CP_AND_WORKER);
    const a = await replica(sim, "plan");
    const worker = addressOf(sim, "w-1");
    await hop.cut();
    const refused = await a.client.callTool({ name: "reboot", arguments: { nodes: [worker] } });
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toMatch(/the shared state \(Kubernetes API https:\/\/127\.0\.0\.1:\d+, namespace talos-mcp\) cannot be reached or used, so no change is made/);
    expect(resultText(refused)).toMatch(/Next: reads still work/);
    const read = await a.client.callTool({ name: "version", arguments: { nodes: [worker] } });
    expect(read.isError, resultText(read)).toBeFalsy();
    expect(reboots(sim)).toHaveLength(0);
  }, 120_000);
});
