// Contract: the simulated cluster with a real Kubernetes API (running-3cp-2w-k8s) — the real
// kube-apiserver from scripts/build-k8s, the real talosctl, the project's tools through a real MCP
// client. The kubeconfig Talos hands out reaches the API server; the nodes and static pods are
// there; `upgrade-kubernetes` (talosctl upgrade-k8s) moves the cluster one patch version up; a
// Talos-side change shows on the Kubernetes side.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubernetesBinaryPath } from "../../src/backends/kubernetes-binaries.js";
import type { Config } from "../../src/config.js";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { KubeClient, type KubeObject } from "../../src/kubernetes/client.js";
import { credentialsFromKubeconfig } from "../../src/kubernetes/kubeconfig.js";
import { parseJsonStream } from "../../src/talos/outputs.js";
import { accept, configFor, session, text } from "../helpers/session.js";
import { addressOf, eventMatching } from "../helpers/sim.js";
import { talosctl } from "../helpers/talosctl.js";

type Pod = KubeObject & { spec: { nodeName: string; containers: { image: string }[] }; status: { phase: string; hostIP: string; conditions: { type: string; status: string }[] } };
type Node = KubeObject & { status: { addresses: { type: string; address: string }[]; conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string; osImage: string } } };

const ready = (object: { status: { conditions: { type: string; status: string }[] } }) => object.status.conditions.some((c) => c.type === "Ready" && c.status === "True");

describe("a simulated cluster with a real Kubernetes API (running-3cp-2w-k8s)", () => {
  let sim: SimHandle;
  let dir: string;
  let config: Config;
  let kube: KubeClient;
  let cp1: string;
  const run = (args: string[]) => talosctl(args, { talosconfig: sim.talosconfig, cwd: dir });
  const pods = async (selector: string) => (await kube.list<Pod>("/api/v1/namespaces/kube-system/pods", { labelSelector: selector })).items;
  const stateChanges = () => sim.events().filter((e) => e.kind === "state-change");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "talos-mcp-sim-k8s-"));
    sim = await startSimulation({ scenario: "running-3cp-2w-k8s", dir: join(dir, "sim") });
    cp1 = addressOf(sim, "cp-1");
    config = configFor(dir, [], sim.talosconfig);
    kube = KubeClient.fromKubeconfig(readFileSync(sim.kubernetes!.kubeconfig, "utf8"));
  }, 240_000);
  afterAll(async () => {
    await kube?.close();
    await sim?.stop();
  });

  it("reports its kubeconfig and versions; the kubeconfig tool's file reaches the real API server", async () => {
    expect(sim.kubernetes).toMatchObject({ kubernetesVersion: "1.35.3", apiServerVersion: "1.35.4" });
    const { call } = await session(config, { elicit: accept });
    const fetched = await call("kubeconfig", { nodes: [cp1] });
    expect(fetched.isError, text(fetched)).toBeFalsy();
    const file = join(config.workspace, (fetched.structuredContent as { path: string }).path);
    const fromTalos = credentialsFromKubeconfig(readFileSync(file, "utf8"));
    // The Talos API's kubeconfig names the real API server (the control plane endpoint) and its CA.
    expect(fromTalos.server).toBe(`https://${cp1}:6443`);
    expect(fromTalos.caPem).toBe(credentialsFromKubeconfig(readFileSync(sim.kubernetes!.kubeconfig, "utf8")).caPem);
    const client = new KubeClient(fromTalos);
    expect((await client.get<{ gitVersion: string }>("/version")).gitVersion).toBe("v1.35.4");
    expect((await client.list("/api/v1/namespaces/kube-system/serviceaccounts")).items.map((sa) => sa.metadata.name)).toEqual(expect.arrayContaining(["kube-proxy", "coredns", "flannel"]));
    await client.close();
    // A second, independent Kubernetes client (client-go inside helm) reads the same file.
    expect(execFileSync(kubernetesBinaryPath("helm"), ["list", "--all-namespaces", "--kubeconfig", file], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: dir } })).toMatch(/^NAME\s+NAMESPACE/);
  });

  it("registers the nodes (Ready, addresses, roles, kubelet version) and mirrors the control plane's static pods", async () => {
    const nodes = (await kube.list<Node>("/api/v1/nodes")).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    for (const node of nodes) {
      expect(ready(node), node.metadata.name).toBe(true);
      expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: addressOf(sim, node.metadata.name) });
      expect(node.status.nodeInfo).toMatchObject({ kubeletVersion: "v1.35.3", osImage: "Talos (v1.12.6)" });
      expect("node-role.kubernetes.io/control-plane" in node.metadata.labels!).toBe(node.metadata.name.startsWith("cp-"));
    }
    const apiServers = await pods("k8s-app=kube-apiserver");
    expect(apiServers.map((p) => p.metadata.name).sort()).toEqual(["kube-apiserver-cp-1", "kube-apiserver-cp-2", "kube-apiserver-cp-3"]);
    const configVersion = (parseJsonStream((await run(["get", "apiserverconfig", "--output", "json", "--nodes", cp1])).stdout)[0] as { metadata: { version: number | string } }).metadata.version;
    const onCp1 = apiServers.find((p) => p.spec.nodeName === "cp-1")!;
    expect(onCp1.metadata.annotations).toMatchObject({ "talos.dev/config-version": String(configVersion), "kubernetes.io/config.mirror": expect.any(String) });
    expect(onCp1.status).toMatchObject({ phase: "Running", hostIP: cp1 });
    expect(onCp1.spec.containers[0]!.image).toBe("registry.k8s.io/kube-apiserver:v1.35.3");
    expect((await pods("k8s-app=kube-proxy")).map((p) => p.spec.nodeName).sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
  });

  it("upgrade-kubernetes (talosctl upgrade-k8s) moves the cluster to 1.35.4; its checks and patches reach every node", async () => {
    const { call } = await session(config, { elicit: accept });
    const upgraded = await call("upgrade-kubernetes", { nodes: [cp1], to: "1.35.4" });
    expect(upgraded.isError, text(upgraded)).toBeFalsy();
    expect(upgraded.structuredContent).toMatchObject({ to: "1.35.4" });

    // What reached the simulated nodes: version checks and image pre-pulls, then one patch per
    // component per node (the config's images), kubelet restarts.
    const changes = stateChanges();
    // (The tool's plan runs upgrade-k8s --dry-run first, which pre-pulls too.)
    const pulled = new Set(changes.filter((e) => e.detail?.imagePulled === "registry.k8s.io/kube-apiserver:v1.35.4").map((e) => e.node));
    expect([...pulled].sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
    const patched = (node: string) => changes.filter((e) => e.node === node && e.detail?.configApplied).flatMap((e) => Object.keys((e.detail!.images as Record<string, string>) ?? {}));
    expect(patched("cp-2").sort()).toEqual(["kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler", "kubelet"]);
    expect(patched("worker-1")).toEqual(["kubelet"]);
    expect(changes.filter((e) => e.detail?.service === "kubelet" && e.detail.restart === "healthy").map((e) => e.node).sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    expect(sim.events().filter((e) => e.kind === "api-call" && e.method === "/cosi.resource.State/Watch").length).toBeGreaterThanOrEqual(5 * 3);

    // The Kubernetes side: kubelets, mirror pods (new config version), kube-proxy rolled out.
    for (const node of (await kube.list<Node>("/api/v1/nodes")).items) expect(node.status.nodeInfo.kubeletVersion, node.metadata.name).toBe("v1.35.4");
    for (const pod of await pods("tier=control-plane")) {
      expect(pod.spec.containers[0]!.image).toMatch(/:v1\.35\.4$/);
      expect(pod.metadata.annotations!["talos.dev/config-version"]).toBe("2");
    }
    expect((await pods("k8s-app=kube-proxy")).map((p) => p.spec.containers[0]!.image)).toEqual(Array(5).fill("registry.k8s.io/kube-proxy:v1.35.4"));
    const again = await run(["upgrade-k8s", "--to", "1.35.4", "--dry-run", "--nodes", cp1]);
    expect(again.stderr + again.stdout).toMatch(/automatically detected the lowest Kubernetes version 1\.35\.4/);
  });

  it("a new kube-apiserver image in one node's config replaces that node's mirror pod (new pod, new config version)", async () => {
    const cp2 = addressOf(sim, "cp-2");
    const before = (await pods("k8s-app=kube-apiserver")).find((p) => p.spec.nodeName === "cp-2")!;
    const image = `registry.k8s.io/kube-apiserver:v1.35.4@sha256:${"ab".repeat(32)}`;
    const patch = JSON.stringify([{ op: "replace", path: "/cluster/apiServer/image", value: image }]);
    // The simulated kubelet records the replacement once it has created the pod and reported its status.
    const replaced = eventMatching(sim, (e) => e.node === "cp-2" && e.detail?.kubelet === "replaced mirror pod" && e.detail.image === image);
    const patched = await run(["patch", "machineconfig", "--mode", "no-reboot", "--patch", patch, "--nodes", cp2]);
    expect(patched.code, patched.stderr).toBe(0);
    await replaced;
    const after = (await pods("k8s-app=kube-apiserver")).find((p) => p.spec.nodeName === "cp-2")!;
    expect(after.spec.containers[0]!.image).toBe(image);
    expect(after.status.conditions ?? [], "the new mirror pod's status").toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }));
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(Number(after.metadata.annotations!["talos.dev/config-version"])).toBe(Number(before.metadata.annotations!["talos.dev/config-version"]) + 1);
    // The other control planes keep theirs.
    expect((await pods("k8s-app=kube-apiserver")).filter((p) => p.spec.nodeName !== "cp-2").every((p) => p.spec.containers[0]!.image === "registry.k8s.io/kube-apiserver:v1.35.4")).toBe(true);
  });
});
