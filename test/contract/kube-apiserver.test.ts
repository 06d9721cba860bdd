// Contract: the real kube-apiserver (pinned, from scripts/build-k8s) started on loopback by
// src/sim/kubernetes/apiserver.ts — version, authentication (client certificates, tokens),
// RBAC and Node authorization with NodeRestriction, Leases, and a stop that leaves nothing behind.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KUBERNETES_PINS } from "../../src/backends/kubernetes-binaries.js";
import { startApiServer } from "../../src/sim/kubernetes/apiserver.js";
import { KubeClient } from "../../src/kubernetes/client.js";
import { statusOf, useApiServer } from "../helpers/kubernetes.js";
import { alive, eventually } from "../helpers/wait.js";


describe("kube-apiserver on loopback", () => {
  const server = useApiServer({ tokenUsers: [{ name: "replica-1", groups: ["talos-mcp:replicas"] }], clusterName: "test" });

  it("serves the pinned version to the admin kubeconfig, with the system namespaces", async () => {
    const { admin, kubeconfig } = server();
    const version = await admin.get<{ gitVersion: string; major: string; minor: string }>("/version");
    expect(version.gitVersion).toBe(KUBERNETES_PINS["kube-apiserver"]);
    expect(version.minor).toBe(KUBERNETES_PINS["kube-apiserver"].split(".")[1]);
    const fromFile = KubeClient.fromKubeconfig(kubeconfig);
    const namespaces = await fromFile.list("/api/v1/namespaces");
    expect(namespaces.items.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]));
    await fromFile.close();
  });

  it("authenticates token users and authorizes them by RBAC only", async () => {
    const { admin, tokens, url, ca } = server();
    const replica = new KubeClient({ server: url, caPem: ca.certPem, token: tokens["replica-1"] });
    const leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "talos-mcp" }, spec: { holderIdentity: "replica-1", leaseDurationSeconds: 15 } };
    expect(await statusOf(replica.create(leases, lease))).toBe(403);
    await admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", { metadata: { name: "leases" }, rules: [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }] });
    await admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
      metadata: { name: "replicas-leases" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "leases" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "talos-mcp:replicas" }],
    });
    // RBAC takes effect once the authorizer's cache has seen the binding (milliseconds, not at once).
    const created = await eventually(() => replica.create<{ spec: { holderIdentity: string } }>(leases, lease));
    expect(created.spec.holderIdentity).toBe("replica-1");
    expect(await statusOf(replica.list("/api/v1/namespaces/default/secrets"))).toBe(403);
    const wrongToken = new KubeClient({ server: url, caPem: ca.certPem, token: "not-a-token" });
    expect(await statusOf(wrongToken.list(leases))).toBe(401);
    await Promise.all([replica.close(), wrongToken.close()]);
  });

  it("authorizes kubelets by the Node authorizer and NodeRestriction: a node writes only itself", async () => {
    const { credentialsFor } = server();
    const kubelet = new KubeClient(await credentialsFor("system:node:n1", ["system:nodes"]));
    const node = (name: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name } });
    expect(await statusOf(kubelet.create("/api/v1/nodes", node("n1")))).toBe(200);
    expect(await statusOf(kubelet.create("/api/v1/nodes", node("n2")))).toBe(403);
    // NodeRestriction: a kubelet may not give itself a node-role label.
    expect(await statusOf(kubelet.patch("/api/v1/nodes/n1", { metadata: { labels: { "node-role.kubernetes.io/control-plane": "" } } }))).toBe(403);
    await kubelet.close();
  });
});

describe("kube-apiserver lifecycle", () => {
  it("stop ends etcd and kube-apiserver and removes the temporary directory", async () => {
    const server = await startApiServer();
    expect(server.pids).toHaveLength(2);
    expect(server.pids.every(alive)).toBe(true);
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(server.pids.filter(alive)).toEqual([]);
    expect(existsSync(server.dir)).toBe(false);
  }, 180_000);

  it("fails with the process's own log when a port is taken", async () => {
    const first = await startApiServer();
    try {
      await expect(startApiServer({ port: first.port })).rejects.toThrow(/kube-apiserver exited .*[\s\S]*address already in use/);
    } finally {
      await first.stop();
    }
  }, 180_000);
});
