// Contract: charts/talos-mcp with the real, pinned helm — lint, template, the schema's refusals —
// and every rendered object applied to the real kube-apiserver of the pinned Kubernetes version
// (server-side apply, dry run, strict field validation). The server config the chart writes is
// one the server accepts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/config.js";
import type { KubeObject } from "../../src/kubernetes/client.js";
import { applyObject, CHART_DIR, ensureNamespace, helm, renderChart } from "../../src/sim/kubernetes/chart.js";
import { useApiServer } from "../helpers/kubernetes.js";

type Container = { securityContext: Record<string, unknown>; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; resources: Record<string, unknown>; volumeMounts: { name: string }[] };
type PodSpec = {
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
  topologySpreadConstraints: unknown[];
};

const byKind = (objects: KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);
const podSpec = (objects: KubeObject[]) => (byKind(objects, "Deployment")[0] as unknown as { spec: { replicas: number; template: { spec: PodSpec } } }).spec;

describe("helm chart charts/talos-mcp", () => {
  const server = useApiServer();

  it("passes helm lint (with the schema) for the pinned Kubernetes version", async () => {
    const result = await helm(["lint", CHART_DIR, "--strict", "--kube-version", "1.35.4"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders hardened replicas that share state through the API, with least-privilege RBAC", async () => {
    const objects = await renderChart({ namespace: "platform" });
    expect(objects.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount"]);
    expect(objects.every((o) => o.metadata.namespace === "platform")).toBe(true);
    const deployment = podSpec(objects);
    expect(deployment.replicas).toBeGreaterThanOrEqual(2);
    const pod = deployment.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
    const [container] = pod.containers;
    expect(container!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container!.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container!.readinessProbe.httpGet.path).toBe("/healthz");
    expect(container!.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    expect(pod.topologySpreadConstraints).toHaveLength(1);
    // Secrets are referenced, never created with values.
    expect(byKind(objects, "Secret")).toEqual([]);
    // The tokens are read from their Secret through the API (revocations in seconds), not mounted.
    expect(pod.volumes.find((v) => v.name === "tokens")).toBeUndefined();
    // The Role: namespaced, only the verbs the backend uses.
    const [role] = byKind(objects, "Role") as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];
    expect(role!.rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "update"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "create", "delete"] },
    ]);
    expect(byKind(objects, "ClusterRole")).toEqual([]);
    expect(byKind(objects, "ClusterRoleBinding")).toEqual([]);
  });

  it("with the file backend: one replica, no API token, no Role; two replicas are refused", async () => {
    const objects = await renderChart({ namespace: "platform", set: { "state.backend": "file", replicaCount: 1 } });
    expect(podSpec(objects).template.spec.automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).template.spec.volumes.find((v) => v.name === "tokens")?.secret?.secretName).toBe("talos-mcp-tokens");
    const [configMap] = byKind(objects, "ConfigMap") as unknown as { data: Record<string, string> }[];
    expect(configMap!.data["config.yaml"]).toMatch(/tokens: \/etc\/talos-mcp\/tokens\/tokens.yaml/);
    expect(byKind(objects, "Role")).toEqual([]);
    expect(byKind(objects, "RoleBinding")).toEqual([]);
    await expect(renderChart({ namespace: "platform", set: { "state.backend": "file" } })).rejects.toThrow(/replicaCount > 1 needs state.backend=kubernetes/);
  });

  it("the schema refuses unknown keys and bad values", async () => {
    await expect(renderChart({ namespace: "platform", set: { replicas: 3 } })).rejects.toThrow(/additional properties 'replicas' not allowed/);
    await expect(renderChart({ namespace: "platform", set: { "state.backend": "etcd" } })).rejects.toThrow(/state\/backend/);
    await expect(renderChart({ namespace: "platform", set: { "secrets.tokens": "" } })).rejects.toThrow(/secrets\/tokens/);
  });

  it("writes a server config the server accepts: HTTP with tokens, kubernetes state, audit to stdout", async () => {
    const objects = await renderChart({ namespace: "platform", set: { "secrets.talosconfig": "talos", "secrets.omni": "omni" } });
    const [configMap] = byKind(objects, "ConfigMap") as unknown as { data: Record<string, string> }[];
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-chart-"));
    writeFileSync(join(dir, "config.yaml"), configMap!.data["config.yaml"]!);
    const config = buildConfig({ flags: { config: join(dir, "config.yaml") }, env: {}, cwd: dir, knownTools: [] });
    expect(config.transport).toBe("http");
    expect(config.http).toMatchObject({ host: "0.0.0.0", tokensSecret: "talos-mcp-tokens", insecureNoAuth: false });
    expect(config.http.tokensFile).toBeUndefined();
    expect(config.http.allowedHosts).toEqual(["tm", "tm.platform", "tm.platform.svc", "tm.platform.svc.cluster.local"]);
    expect(config.state).toMatchObject({ backend: "kubernetes", leaseSeconds: 15, lockWaitMs: 60_000 });
    expect(config.state.kubeconfig).toBeUndefined();
    expect(config.auditLog).toBe("/dev/stdout");
    expect(config.consent).toBe("approve");
    expect(config).toMatchObject({ talosconfig: "/etc/talos-mcp/talos/talosconfig", omniServiceAccountKeyFile: "/etc/talos-mcp/omni/omni.key" });
  });

  it("every rendered object is valid for the pinned API server (server-side apply, dry run, strict fields)", async () => {
    const { admin } = server();
    await ensureNamespace(admin, "platform");
    const objects = await renderChart({ namespace: "platform", set: { "secrets.talosconfig": "talos", "secrets.omni": "omni" } });
    for (const object of objects) {
      const applied = await applyObject(admin, object, { dryRun: true });
      expect(applied.metadata.name).toBe(object.metadata.name);
    }
    // The check can fail: a field the pinned API does not know is refused.
    const deployment = byKind(objects, "Deployment")[0]!;
    const typo = { ...deployment, spec: { ...(deployment.spec as object), replica: 2 } };
    const refused = await applyObject(admin, typo, { dryRun: true }).catch((error: Error) => error);
    expect(String(refused)).toMatch(/spec.replica/);
    // A dry run stores nothing.
    const stored = await admin.list("/apis/apps/v1/namespaces/platform/deployments");
    expect(stored.items).toEqual([]);
  });
});
