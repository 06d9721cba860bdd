// Contract: the kubernetes state backend against a real kube-apiserver and etcd, acting as the
// Helm chart's ServiceAccount (a real token, only the chart's Role): the lock, the ledger and the
// plan records are "first writer wins" between replicas; the Role allows exactly that and nothing
// outside the namespace; when the API cannot be reached, changes are refused and reads still work.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig, V1MicroTime } from "@kubernetes/client-node";
import { KubeApiError } from "../../src/kubernetes/api-error.js";
import type { KubeClient, KubeCredentials } from "../../src/kubernetes/client.js";
import { renderKubeconfig } from "../../src/kubernetes/kubeconfig.js";
import { LockBusy, StateUnavailable } from "../../src/state/backend.js";
import { openStateObjects, stateObjects, type StateObjects } from "../../src/state/kube-objects.js";
import { KubernetesStateBackend } from "../../src/state/kubernetes-backend.js";
import type { PlanRecord } from "../../src/server/approval-store.js";
import { mirrorTokensSecret } from "../../src/state/tokens-secret.js";
import { eventually } from "../helpers/wait.js";
import { tcpHop, type TcpHop } from "../helpers/tcp-hop.js";
import { chartIdentity } from "../../src/sim/kubernetes/chart.js";
import { statusOf, useApiServer } from "../helpers/kubernetes.js";

const NAMESPACE = "talos-mcp";

/** The namespace's objects through the official client, as `credentials` (at `server`, e.g. a TCP hop). */
function objectsAs(credentials: KubeCredentials, options: { server?: string; timeoutMs?: number } = {}): StateObjects {
  const config = new KubeConfig();
  config.loadFromString(renderKubeconfig({ ...credentials, server: options.server ?? credentials.server }, { cluster: "test" }));
  return stateObjects(config, NAMESPACE, { timeoutMs: options.timeoutMs ?? 3_000 });
}

function planRecord(id: string, overrides: Partial<PlanRecord> = {}): PlanRecord {
  const now = Date.now();
  return {
    id,
    caller: "alice",
    tool: "bootstrap",
    minRole: "admin",
    binding: "b".repeat(64),
    files: {},
    plan: { summary: "Bootstrap etcd on 10.0.0.2", commands: [["talosctl", "bootstrap"]], targets: ["10.0.0.2"], impact: [], destructive: true, typedConfirmation: "10.0.0.2" },
    approver: "person",
    pageSecret: "s".repeat(48),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
    ...overrides,
  };
}

describe("kubernetes state backend, as the chart's ServiceAccount", () => {
  const server = useApiServer();
  let identity: KubeClient;
  const backends: KubernetesStateBackend[] = [];
  const replica = (name: string, options: { leaseSeconds?: number; waitMs?: number; objects?: StateObjects } = {}) => {
    const backend = new KubernetesStateBackend({
      objects: options.objects ?? objectsAs(identity.credentials),
      replica: name,
      leaseSeconds: options.leaseSeconds ?? 15,
      waitMs: options.waitMs ?? 10_000,
      pollMs: 100,
    });
    backends.push(backend);
    return backend;
  };
  const signal = new AbortController().signal;

  beforeAll(async () => {
    identity = (await chartIdentity(server(), NAMESPACE)).client;
  }, 60_000);
  afterAll(async () => {
    for (const backend of backends) await backend.close();
    await identity?.close();
  });

  it("the Role allows the lock, ledger and plan objects in its namespace, and nothing else", async () => {
    const ns = `/api/v1/namespaces/${NAMESPACE}`;
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;
    // allowed
    expect(await statusOf(identity.create(leases, { metadata: { name: "probe" }, spec: {} }))).toBe(200);
    expect(await statusOf(identity.get(`${leases}/probe`))).toBe(200);
    expect(await statusOf(identity.create(`${ns}/configmaps`, { metadata: { name: "probe" }, data: {} }))).toBe(200);
    expect(await statusOf(identity.list(`${ns}/secrets`))).toBe(200);
    // denied: other verbs on its own objects
    expect(await statusOf(identity.delete(`${leases}/probe`))).toBe(403);
    expect(await statusOf(identity.list(leases))).toBe(403);
    expect(await statusOf(identity.list(`${ns}/configmaps`))).toBe(403);
    expect(await statusOf(identity.delete(`${ns}/configmaps/probe`))).toBe(403);
    expect(await statusOf(identity.request("GET", `${ns}/secrets`, { query: { watch: 1, timeoutSeconds: 1 } }))).toBe(403);
    // denied: other resources in its namespace
    expect(await statusOf(identity.list(`${ns}/pods`))).toBe(403);
    expect(await statusOf(identity.create(`${ns}/serviceaccounts/tm/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }))).toBe(403);
    expect(await statusOf(identity.list(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles`))).toBe(403);
    // denied: anything outside its namespace, and cluster-scoped objects
    for (const other of ["default", "kube-system"]) {
      expect(await statusOf(identity.list(`/api/v1/namespaces/${other}/secrets`))).toBe(403);
      expect(await statusOf(identity.get(`/apis/coordination.k8s.io/v1/namespaces/${other}/leases/x`))).toBe(403);
      expect(await statusOf(identity.create(`/api/v1/namespaces/${other}/configmaps`, { metadata: { name: "probe" }, data: {} }))).toBe(403);
    }
    expect(await statusOf(identity.list("/api/v1/namespaces"))).toBe(403);
    expect(await statusOf(identity.list("/api/v1/nodes"))).toBe(403);
  });

  it("one lock per cluster: a second replica waits, gets LockBusy, and gets the lock once it is released", async () => {
    const [a, b] = [replica("replica-a"), replica("replica-b", { waitMs: 800 })];
    const held = await a.lock("context:demo", { holder: "alice/bootstrap", signal });
    const busy = await b.lock("context:demo", { holder: "bob/bootstrap", signal }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(LockBusy);
    expect((busy as Error).message).toMatch(/context:demo is being changed by another call \(replica-a\/alice\/bootstrap\/[0-9a-f]{8}\)/);
    // Another cluster is not blocked.
    const other = await b.lock("context:other", { holder: "bob/reboot", signal });
    await other.release();
    const waiting = replica("replica-b2", { waitMs: 10_000 }).lock("context:demo", { holder: "bob/bootstrap", signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await held.release();
    const second = await waiting;
    expect(second.lost.aborted).toBe(false);
    await second.release();
  });

  it("a lock whose holder stopped renewing it is taken over after its lease duration, not before", async () => {
    const b = replica("replica-b", { leaseSeconds: 2, waitMs: 20_000 });
    // A holder that died (SIGKILL): it took the lock, and its renewals stop. Closing its objects
    // makes every renewal fail, as a dead process's would never happen.
    const dead = replica("replica-dead", { leaseSeconds: 2 });
    await dead.lock("workspace:crashed", { holder: "carol/upgrade", signal });
    await dead.close();
    const started = Date.now();
    const taken = await b.lock("workspace:crashed", { holder: "bob/upgrade", signal });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(taken.lost.aborted).toBe(false);
    await taken.release();
  });

  it("a holder cut off from the API gives its lock up before another replica may take it over", async () => {
    // The holder keeps running (its pod is alive) but cannot reach the API: its renewals fail,
    // while another replica waits and takes the Lease once it has gone unrenewed for its duration.
    const target = new URL(server().url);
    const hop = await tcpHop({ host: target.hostname, port: Number(target.port) });
    const holder = replica("replica-cut-off", { leaseSeconds: 2, objects: objectsAs(identity.credentials, { server: `https://127.0.0.1:${hop.port}`, timeoutMs: 1_500 }) });
    const held = await holder.lock("workspace:partitioned", { holder: "carol/upgrade", signal });
    let lostAt: number | undefined;
    held.lost.addEventListener("abort", () => (lostAt = Date.now()), { once: true });
    // It renewed the Lease at least once (every third of the lease) before the cut.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await hop.cut();
    const taken = await replica("replica-b", { leaseSeconds: 2, waitMs: 20_000 }).lock("workspace:partitioned", { holder: "bob/upgrade", signal });
    const takenAt = Date.now();
    // Two replicas never both believe they hold one cluster's lock.
    expect(lostAt, "the cut-off holder still believed it held the lock when another replica took it").toBeDefined();
    expect(lostAt!).toBeLessThan(takenAt);
    expect((held.lost.reason as Error).message).toMatch(/could not be renewed/);
    await held.release();
    await taken.release();
  });

  it("a renewal that conflicts (someone else wrote the Lease) aborts the holder's lost signal", async () => {
    const a = replica("replica-a", { leaseSeconds: 2 });
    const held = await a.lock("context:stolen", { holder: "alice/reset", signal });
    const path = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;
    const { items } = await server().admin.list<{ metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown> }>(path);
    const lease = items.find((item) => item.metadata.annotations?.["talos-mcp.io/scope"] === "context:stolen")!;
    await server().admin.replace(`${path}/${lease.metadata.name}`, { ...lease, spec: { ...lease.spec, holderIdentity: "intruder", renewTime: new V1MicroTime(Date.now()) } });
    await new Promise<void>((resolve) => held.lost.addEventListener("abort", () => resolve(), { once: true }));
    expect((held.lost.reason as Error).message).toMatch(/taken over by another replica/);
    await held.release();
  });

  it("ledger writes from two replicas at once are all kept (resourceVersion-checked)", async () => {
    const [a, b] = [replica("replica-a"), replica("replica-b")];
    const writes = Array.from({ length: 6 }, (_, i) => [a, b].map((backend, j) => backend.ledger("context:ledger", "").update((state) => void state.bootstraps.push({ node: `n${i}-${j}`, at: "t", outcome: "bootstrapped" })))).flat();
    await Promise.all(writes);
    const state = await a.ledger("context:ledger", "").read();
    expect(state.bootstraps.map((entry) => entry.node).sort()).toEqual(Array.from({ length: 6 }, (_, i) => [`n${i}-0`, `n${i}-1`]).flat().sort());
    expect(await b.ledger("context:other-ledger", "").read()).toEqual({ nodes: {}, bootstraps: [] });
  });

  it("a plan is created once, decided once and redeemed once across replicas", async () => {
    const [a, b] = [replica("replica-a"), replica("replica-b")];
    const id = "plan-abcdefghijklmnop";
    await a.approvals.create(planRecord(id));
    await expect(b.approvals.create(planRecord(id))).rejects.toThrow(/exists/);
    const state = await b.approvals.get(id);
    expect(state?.record.pageSecret).toBe("s".repeat(48));
    const decision = (by: string) => ({ decision: "approved" as const, by, via: "page" as const, at: new Date().toISOString() });
    const decided = await Promise.all([a.approvals.decide(id, decision("alice")), b.approvals.decide(id, decision("bob"))]);
    expect(decided.sort()).toEqual(["already-decided", "recorded"]);
    const redeemed = await Promise.all([a.approvals.redeem(id, "t1"), b.approvals.redeem(id, "t2"), a.approvals.redeem(id, "t3")]);
    expect(redeemed.filter(Boolean)).toHaveLength(1);
    const final = await a.approvals.get(id);
    expect(final?.decision?.by).toMatch(/^(alice|bob)$/);
    expect(final?.redeemedAt).toMatch(/^t[123]$/);
    expect((await b.approvals.list()).map((s) => s.record.id)).toContain(id);
    expect(await a.approvals.decide("plan-zzzzzzzzzzzzzzzz", decision("x"))).toBe("unknown");
    expect(await a.approvals.redeem("plan-zzzzzzzzzzzzzzzz", "t")).toBe(false);
    expect(await a.approvals.get("../../etc")).toBeUndefined();
  });

  it("the MCP 2026-07-28 request-state key is created once and is the same on every replica", async () => {
    const [a, b, c] = [replica("replica-a"), replica("replica-b"), replica("replica-c")];
    const keys = await Promise.all([a, b, c].map((backend) => backend.requestStateKey()));
    expect(keys[0]).toHaveLength(32);
    expect(keys.map((key) => Buffer.from(key).toString("hex"))).toEqual(Array(3).fill(Buffer.from(keys[0]!).toString("hex")));
    expect(Buffer.from(await replica("replica-d").requestStateKey()).equals(Buffer.from(keys[0]!))).toBe(true);
  });

  it("in a pod: the service account's token, CA and namespace (the token file re-read as it rotates)", async () => {
    const mount = mkdtempSync(join(tmpdir(), "talos-mcp-sa-"));
    const { token } = await chartIdentity(server(), NAMESPACE);
    writeFileSync(join(mount, "token"), "expired-token-from-an-earlier-rotation");
    writeFileSync(join(mount, "ca.crt"), server().ca.certPem);
    writeFileSync(join(mount, "namespace"), NAMESPACE);
    const url = new URL(server().url);
    const env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
    const inPod = (overrides: { env?: NodeJS.ProcessEnv; serviceAccountDir?: string } = {}) => openStateObjects({ env, serviceAccountDir: mount, timeoutMs: 3_000, ...overrides });
    const objects = inPod();
    expect({ server: objects.server, namespace: objects.namespace }).toEqual({ server: server().url, namespace: NAMESPACE });
    const refused = await objects.configMaps.read("none").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KubeApiError);
    expect(refused).toMatchObject({ status: 401, message: "get configmap none: 401 Unauthorized" });
    // The kubelet rotates the file; the client picks the new token up (within its re-read interval).
    writeFileSync(join(mount, "token"), token);
    await eventually(async () => expect(await objects.configMaps.read("none")).toBeUndefined(), 15_000);
    expect(() => inPod({ env: {} })).toThrow(/not running in a Kubernetes pod \(KUBERNETES_SERVICE_HOST\/PORT are unset\): give a kubeconfig/);
    expect(() => inPod({ serviceAccountDir: join(mount, "missing") })).toThrow(/cannot read .*token \(ENOENT\); is automountServiceAccountToken on\?/);
  }, 30_000);

  it("mirrors the tokens Secret into a file: refuses to start without a valid one, then follows changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-tokens-"));
    const file = join(dir, "tokens.yaml");
    const secrets = `/api/v1/namespaces/${NAMESPACE}/secrets`;
    const mirror = (name: string) => mirrorTokensSecret({ objects: objectsAs(identity.credentials), name, file, everyMs: 100, onProblem: () => undefined });
    const tokensYaml = (names: string[]) => stringify({ tokens: names.map((name) => ({ name, token: `sha256:${"a".repeat(64)}`, role: "reader" })) });
    const secret = (name: string, data: Record<string, string>) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) });
    await expect(mirror("absent")).rejects.toThrow(/the tokens Secret talos-mcp\/absent does not exist: create it with key tokens.yaml/);
    await server().admin.create(secrets, secret("wrong-key", { "tokens.yml": tokensYaml(["a"]) }));
    await expect(mirror("wrong-key")).rejects.toThrow(/has no key tokens.yaml/);
    await server().admin.create(secrets, secret("invalid", { "tokens.yaml": "tokens: [{name: a, token: plain, role: reader}]" }));
    await expect(mirror("invalid")).rejects.toThrow(/tokens.0.token: must be sha256/);
    expect(existsSync(file)).toBe(false);
    await server().admin.create(secrets, secret("tokens", { "tokens.yaml": tokensYaml(["a", "b"]) }));
    const running = await mirror("tokens");
    expect(readFileSync(file, "utf8")).toBe(tokensYaml(["a", "b"]));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await server().admin.replace(`${secrets}/tokens`, secret("tokens", { "tokens.yaml": tokensYaml(["a"]) }));
    await eventually(async () => expect(readFileSync(file, "utf8")).toBe(tokensYaml(["a"])), 5_000);
    running.stop();
  });

  it("a copy of the tokens Secret that cannot be written is reported and written at the next check (a revocation is never dropped)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-tokens-"));
    const state = join(dir, "state");
    const file = join(state, "tokens.yaml");
    const secrets = `/api/v1/namespaces/${NAMESPACE}/secrets`;
    const tokensYaml = (names: string[]) => stringify({ tokens: names.map((name) => ({ name, token: `sha256:${"a".repeat(64)}`, role: "reader" })) });
    const secret = (names: string[]) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "tokens-unwritable" }, data: { "tokens.yaml": Buffer.from(tokensYaml(names)).toString("base64") } });
    await server().admin.create(secrets, secret(["alice", "mallory"]));
    const problems: string[] = [];
    const running = await mirrorTokensSecret({ objects: objectsAs(identity.credentials), name: "tokens-unwritable", file, everyMs: 100, onProblem: (message) => problems.push(message) });
    expect(readFileSync(file, "utf8")).toBe(tokensYaml(["alice", "mallory"]));
    // The state directory cannot take the new copy for a while (here: a file stands where it was).
    renameSync(state, `${state}.away`);
    writeFileSync(state, "not a directory");
    await server().admin.replace(`${secrets}/tokens-unwritable`, secret(["alice"]));
    await eventually(async () => expect(problems.join("\n")).toMatch(/cannot write the copy of the tokens Secret talos-mcp\/tokens-unwritable to .*tokens\.yaml/), 5_000);
    rmSync(state);
    renameSync(`${state}.away`, state);
    await eventually(async () => expect(readFileSync(file, "utf8")).toBe(tokensYaml(["alice"])), 5_000);
    running.stop();
  });

  describe("when the API cannot be reached", () => {
    let hop: TcpHop;
    let backend: KubernetesStateBackend;

    beforeAll(async () => {
      // A TCP hop between the replica and the API server that the test can cut.
      const target = new URL(server().url);
      hop = await tcpHop({ host: target.hostname, port: Number(target.port) });
      backend = replica("replica-cut", { objects: objectsAs(identity.credentials, { server: `https://127.0.0.1:${hop.port}`, timeoutMs: 1_500 }) });
    });

    it("refuses locks, ledger writes and plan records (StateUnavailable), and still reads the endpoints it saw", async () => {
      const ledger = backend.ledger("context:cut", "");
      await ledger.update((state) => void (state.nodes["10.0.0.2"] = { role: "controlplane", appliedAt: "t" }));
      expect(await ledger.controlPlanes()).toEqual(["10.0.0.2"]);
      await hop.cut();
      for (const refused of [
        () => backend.lock("context:cut", { holder: "alice/apply", signal }),
        () => ledger.update(() => undefined),
        () => ledger.read(),
        () => backend.approvals.create(planRecord("plan-bbbbbbbbbbbbbbbb")),
        () => backend.approvals.redeem("plan-abcdefghijklmnop", "t"),
      ]) {
        const error = await refused().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StateUnavailable);
        expect((error as Error).message).toMatch(/the shared state \(Kubernetes API https:\/\/127\.0\.0\.1:\d+, namespace talos-mcp\) cannot be reached or used, so no change is made/);
      }
      // Reads: the endpoints last seen keep serving read tools.
      expect(await ledger.controlPlanes()).toEqual(["10.0.0.2"]);
      // A cluster this replica never read fails with the same clear error.
      await expect(backend.ledger("context:never-read", "").controlPlanes()).rejects.toBeInstanceOf(StateUnavailable);
    }, 30_000);
  });
});
