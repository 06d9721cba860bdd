// The bootstrap manifests a simulated control plane renders (COSI Manifests, namespace controlplane),
// by the ids Talos gives them: flannel (the default CNI), kube-proxy (its image follows
// cluster.proxy.image) and CoreDNS. Talos
// applies them once, at bootstrap; `talosctl upgrade-k8s` re-syncs them (the new kube-proxy image).
// Written for the simulator, in the shape of what Talos renders; not a copy of Talos's templates.

/** CoreDNS image Talos v1.12.6 pins (constants.CoreDNSImage, DefaultCoreDNSVersion). */
export const COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.13.2";
/** Flannel (Talos's default CNI) image Talos v1.12.6 pins. */
export const FLANNEL_IMAGE = "ghcr.io/siderolabs/flannel:v0.27.4";
/** Talos's default networks: services (the API server is its first address) and pods. */
export const SERVICE_CIDR = "10.96.0.0/12";
export const DNS_SERVICE_IP = "10.96.0.10";
export const POD_CIDR = "10.244.0.0/16";

export type KubeManifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: unknown };

const system = (name: string, labels: Record<string, string> = {}) => ({ name, namespace: "kube-system", ...(Object.keys(labels).length ? { labels } : {}) });

/**
 * A kube-system service account, bound (by `role.binding`) to the cluster role `role.name` — which
 * these manifests also create when they give its `rules` (the others are Kubernetes's own).
 */
function serviceAccountWithRole(account: string, role: { name: string; binding: string; rules?: unknown[] }): KubeManifest[] {
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: system(account) },
    ...(role.rules ? [{ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: role.name }, rules: role.rules }] : []),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: role.binding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.name },
      subjects: [{ kind: "ServiceAccount", name: account, namespace: "kube-system" }],
    },
  ];
}

function flannel(): KubeManifest[] {
  const labels = { app: "flannel", "k8s-app": "flannel", tier: "node" };
  return [
    ...serviceAccountWithRole("flannel", {
      name: "flannel",
      binding: "flannel",
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
      ],
    }),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: system("kube-flannel-cfg", labels),
      data: { "net-conf.json": JSON.stringify({ Network: POD_CIDR, Backend: { Type: "vxlan", Port: 4789 } }) },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: system("kube-flannel", labels),
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "kube-flannel",
                image: FLANNEL_IMAGE,
                command: ["/opt/bin/flanneld", "--ip-masq", "--kube-subnet-mgr"],
                env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
                securityContext: { privileged: true },
                volumeMounts: [{ name: "flannel-cfg", mountPath: "/etc/kube-flannel/" }],
              },
            ],
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            serviceAccountName: "flannel",
            tolerations: [{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }],
            volumes: [{ name: "flannel-cfg", configMap: { name: "kube-flannel-cfg" } }],
          },
        },
      },
    },
  ];
}

function kubeProxy(image: string): KubeManifest[] {
  const labels = { "k8s-app": "kube-proxy", tier: "node" };
  return [
    ...serviceAccountWithRole("kube-proxy", { name: "system:node-proxier", binding: "kube-proxy" }),
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: system("kube-proxy", labels),
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "kube-proxy",
                image,
                command: ["/usr/local/bin/kube-proxy", `--cluster-cidr=${POD_CIDR}`, "--hostname-override=$(NODE_NAME)", "--kubeconfig=/etc/kubernetes/kubeconfig", "--proxy-mode=iptables", "--conntrack-max-per-core=0"],
                env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                securityContext: { privileged: true },
                volumeMounts: [{ name: "lib-modules", mountPath: "/lib/modules", readOnly: true }],
              },
            ],
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            serviceAccountName: "kube-proxy",
            tolerations: [{ operator: "Exists" }],
            volumes: [{ name: "lib-modules", hostPath: { path: "/lib/modules" } }],
          },
        },
      },
    },
  ];
}

function coreDns(): KubeManifest[] {
  const labels = { "k8s-app": "kube-dns" };
  return [
    ...serviceAccountWithRole("coredns", {
      name: "system:coredns",
      binding: "system:coredns",
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    }),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: system("coredns"),
      data: { Corefile: ".:53 {\n    errors\n    health\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n}\n" },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: system("coredns", labels),
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "coredns",
                image: COREDNS_IMAGE,
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                  { name: "metrics", containerPort: 9153, protocol: "TCP" },
                ],
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
              },
            ],
            priorityClassName: "system-cluster-critical",
            serviceAccountName: "coredns",
            tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
            volumes: [{ name: "config-volume", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] } }],
          },
        },
      },
    },
  ];
}

function coreDnsService(): KubeManifest[] {
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: system("kube-dns", { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" }),
      spec: {
        selector: { "k8s-app": "kube-dns" },
        clusterIP: DNS_SERVICE_IP,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
          { name: "metrics", port: 9153, protocol: "TCP" },
        ],
      },
    },
  ];
}

/** The manifests by id, as a control plane whose kube-proxy image is `proxyImage` renders them. */
export function bootstrapManifests(proxyImage: string): Record<string, KubeManifest[]> {
  return { "05-flannel": flannel(), "10-kube-proxy": kubeProxy(proxyImage), "11-core-dns": coreDns(), "11-core-dns-svc": coreDnsService() };
}
