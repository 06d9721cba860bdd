// Root secrets (Sensitive: os:admin only): the OS CA the node's API trusts (the node's real
// machine CA), and on control planes the etcd and Kubernetes roots. The etcd, Kubernetes and
// aggregator CAs are made once per simulated cluster, the first time anyone reads them.
import { generateKeyPairSync } from "node:crypto";
import type { SimCluster } from "../cluster.js";
import { digest } from "../node-facts.js";
import { b64, generateCa, type CertificateAuthority } from "../pki.js";
import type { ResourceKind } from "../resources.js";

const SECRETS = "talos.resource.definitions.secrets";

interface ClusterRoots {
  etcd: CertificateAuthority;
  kubernetes: CertificateAuthority;
  aggregator: CertificateAuthority;
  serviceAccountKeyPem: string;
}

const roots = new WeakMap<SimCluster, Promise<ClusterRoots>>();

function rootsOf(cluster: SimCluster): Promise<ClusterRoots> {
  let made = roots.get(cluster);
  if (!made) {
    made = (async () => ({
      etcd: await generateCa("etcd"),
      kubernetes: await generateCa("kubernetes"),
      aggregator: await generateCa(""),
      serviceAccountKeyPem: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "sec1" }).toString(),
    }))();
    roots.set(cluster, made);
  }
  return made;
}

/** A *url.URL as Go's YAML prints it (every exported field, no text form). */
const goUrl = (scheme: string, host: string) => ({ scheme, opaque: "", user: null, host, path: "", rawpath: "", omithost: false, forcequery: false, rawquery: "", fragment: "", rawfragment: "" });

const pair = (ca: CertificateAuthority) => ({ crt: b64(ca.certPem), key: b64(ca.keyPem) });
const secret = (cluster: SimCluster, what: string, bytes = 32) => Buffer.from(digest(cluster.key, what).slice(0, bytes * 2), "hex").toString("base64");

export const SECRETS_KINDS: ResourceKind[] = [
  {
    type: "OSRootSecrets.secrets.talos.dev",
    namespace: "secrets",
    sensitive: true,
    proto: { message: `${SECRETS}.OSRootSpec` },
    list: ({ node, cluster }) => {
      if (!node.ca || node.stage === "maintenance") return {};
      // Workers hold the CA certificate only; control planes sign with its key.
      const issuingCA = node.role === "controlplane" ? pair(node.ca) : { crt: b64(node.ca.certPem), key: "" };
      const token = `${digest(cluster.key, "trustd").slice(0, 6)}.${digest(cluster.key, "trustd").slice(6, 22)}`;
      return { os: { issuingCA, acceptedCAs: [{ crt: b64(node.ca.certPem) }], certSANIPs: [node.address, "127.0.0.1", "::1"], certSANDNSNames: [node.name], token } };
    },
  },
  {
    type: "EtcdRootSecrets.secrets.talos.dev",
    namespace: "secrets",
    sensitive: true,
    proto: { message: `${SECRETS}.EtcdRootSpec` },
    list: async ({ node, cluster }) => (node.role === "controlplane" && node.stage !== "maintenance" ? { etcd: { etcdCA: pair((await rootsOf(cluster)).etcd) } } : {}),
  },
  {
    type: "KubernetesRootSecrets.secrets.talos.dev",
    namespace: "secrets",
    sensitive: true,
    proto: { message: `${SECRETS}.KubernetesRootSpec` },
    list: async ({ node, cluster }) => {
      if (node.role !== "controlplane" || node.stage === "maintenance") return {};
      const { kubernetes, aggregator, serviceAccountKeyPem } = await rootsOf(cluster);
      const endpoint = cluster.nodes.find((n) => n.role === "controlplane")?.address ?? node.address;
      return {
        k8s: {
          name: node.clusterName,
          endpoint: goUrl("https", `${endpoint}:6443`),
          local_endpoint: goUrl("https", "localhost:6443"),
          certSANs: [endpoint, node.address, node.name],
          apiServerIPs: ["10.96.0.1"],
          dnsDomain: "cluster.local",
          issuingCA: pair(kubernetes),
          acceptedCAs: [{ crt: b64(kubernetes.certPem) }],
          serviceAccount: { key: b64(serviceAccountKeyPem) },
          aggregatorCA: pair(aggregator),
          aesCBCEncryptionSecret: "",
          bootstrapTokenID: digest(cluster.key, "bootstrap-token").slice(0, 6),
          bootstrapTokenSecret: digest(cluster.key, "bootstrap-token").slice(6, 22),
          secretboxEncryptionSecret: secret(cluster, "secretbox"),
        },
      };
    },
  },
];
