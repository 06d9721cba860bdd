// The pure parts of the simulated Kubernetes side: kubeconfig files, kubelet versions, bootstrap manifests.
import { describe, expect, it } from "vitest";
import { credentialsFromKubeconfig, renderKubeconfig } from "../../../src/kubernetes/kubeconfig.js";
import { kubeletVersionOf } from "../../../src/sim/kubernetes/kubelets.js";
import { bootstrapManifests } from "../../../src/sim/kubernetes/manifests.js";

describe("kubeconfig files", () => {
  const credentials = { server: "https://127.0.0.1:6443", caPem: "CA PEM\n", certPem: "CERT PEM\n", keyPem: "KEY PEM\n" };

  it("round-trip: admin@<cluster> context, inline data, client certificate or token", () => {
    const text = renderKubeconfig(credentials, { cluster: "sim" });
    expect(text).toMatch(/current-context: admin@sim/);
    expect(credentialsFromKubeconfig(text)).toEqual(credentials);
    const token = renderKubeconfig({ server: credentials.server, caPem: credentials.caPem, token: "abc" }, { cluster: "sim", user: "replica" });
    expect(credentialsFromKubeconfig(token)).toEqual({ server: credentials.server, caPem: credentials.caPem, token: "abc" });
  });

  it("a broken kubeconfig names the missing part", () => {
    expect(() => credentialsFromKubeconfig("- a list", "f")).toThrow(/f: current-context is missing/);
    expect(() => credentialsFromKubeconfig("current-context: x\ncontexts: []\n", "f")).toThrow(/f: no context named 'x'/);
    const noUser = renderKubeconfig(credentials, { cluster: "sim" }).replace(/client-certificate-data: .*/, "");
    expect(() => credentialsFromKubeconfig(noUser, "f")).toThrow(/f: user\.client-certificate-data \(or user\.token\) is missing/);
  });
});

describe("kubelet versions", () => {
  it("come from the kubelet image tag, digests and -fat/-slim suffixes aside", () => {
    expect(kubeletVersionOf("ghcr.io/siderolabs/kubelet:v1.35.3")).toBe("v1.35.3");
    expect(kubeletVersionOf("ghcr.io/siderolabs/kubelet:v1.35.4-fat")).toBe("v1.35.4");
    expect(kubeletVersionOf(`ghcr.io/siderolabs/kubelet:v1.35.4@sha256:${"a".repeat(64)}`)).toBe("v1.35.4");
    expect(kubeletVersionOf("registry:5000/kubelet")).toBe("v0.0.0");
  });
});

describe("bootstrap manifests", () => {
  it("render flannel, kube-proxy with the configured image, CoreDNS and its service, by Talos's ids", () => {
    const manifests = bootstrapManifests("registry.k8s.io/kube-proxy:v1.35.3");
    expect(Object.keys(manifests)).toEqual(["05-flannel", "10-kube-proxy", "11-core-dns", "11-core-dns-svc"]);
    const daemonSet = manifests["10-kube-proxy"]!.find((m) => m.kind === "DaemonSet") as any;
    expect(daemonSet.spec.template.spec.containers[0].image).toBe("registry.k8s.io/kube-proxy:v1.35.3");
    expect(daemonSet.spec.selector.matchLabels).toEqual(daemonSet.spec.template.metadata.labels);
    expect(manifests["11-core-dns"]!.map((m) => m.kind)).toEqual(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment"]);
    expect((manifests["11-core-dns-svc"]![0] as any).spec.clusterIP).toBe("10.96.0.10");
    expect(bootstrapManifests("x:v1")["10-kube-proxy"]).not.toEqual(manifests["10-kube-proxy"]);
  });
});
