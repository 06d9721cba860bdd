// The Helm chart (charts/talos-mcp) rendered with the real, pinned helm, and its objects applied to
// a real API server (server-side apply, strict field validation), for tests and `npm run
// demo:replicas`. The ServiceAccount the chart creates gets a real token (TokenRequest), so
// replicas act with exactly the chart's Role.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { parseAllDocuments } from "yaml";
import { KUBERNETES_VERSION, requireKubernetesBinary } from "../../backends/kubernetes-binaries.js";
import { KubeClient, type KubeObject } from "../../kubernetes/client.js";
import { PACKAGE_ROOT } from "../../server/package-info.js";
import type { ApiServer } from "./apiserver.js";

export const CHART_DIR = join(PACKAGE_ROOT, "charts/talos-mcp");
/** How long a new RoleBinding may take to be honoured. */
const RBAC_SETTLE_MS = 10_000;

/** Runs the pinned helm (no repositories or plugins are used: only local charts). */
export async function helm(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const binary = await requireKubernetesBinary("helm");
  const result = await execa(binary, args, { reject: false, env: { HOME: tmpdir(), PATH: process.env.PATH ?? "" }, extendEnv: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** `helm template` for the pinned Kubernetes version; throws with helm's message on failure. */
export async function renderChart(options: { release?: string; namespace: string; set?: Record<string, string | number> }): Promise<KubeObject[]> {
  const sets = Object.entries(options.set ?? {}).flatMap(([key, value]) => ["--set", `${key}=${value}`]);
  const result = await helm(["template", options.release ?? "tm", CHART_DIR, "--namespace", options.namespace, "--kube-version", KUBERNETES_VERSION, ...sets]);
  if (result.exitCode !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

/** The REST collection of each kind the chart renders. */
const COLLECTIONS: Record<string, (namespace: string) => string> = {
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  PodDisruptionBudget: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
  NetworkPolicy: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
};

/** Server-side apply of one object (dryRun: validated and admitted, not stored). */
export async function applyObject(client: KubeClient, object: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
  const collection = COLLECTIONS[object.kind ?? ""];
  if (!collection) throw new Error(`no collection known for kind ${object.kind}`);
  const namespace = object.metadata.namespace ?? "default";
  return client.request<KubeObject>("PATCH", `${collection(namespace)}/${object.metadata.name}`, {
    body: object,
    contentType: "application/apply-patch+yaml",
    query: { fieldManager: "talos-mcp-tests", fieldValidation: "Strict", force: true, ...(options.dryRun ? { dryRun: "All" } : {}) },
  });
}

export async function ensureNamespace(admin: KubeClient, name: string): Promise<void> {
  await admin.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch((error: { status?: number }) => {
    if (error.status !== 409) throw error;
  });
}

/**
 * Installs the chart's identity (ServiceAccount, Role, RoleBinding) in `namespace` and returns a
 * client holding a token of that ServiceAccount: it can do exactly what the chart's Role grants.
 */
export async function chartIdentity(server: ApiServer, namespace: string, release = "tm"): Promise<{ client: KubeClient; token: string; objects: KubeObject[] }> {
  await ensureNamespace(server.admin, namespace);
  const objects = await renderChart({ namespace, release });
  for (const object of objects.filter((o) => ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind ?? ""))) await applyObject(server.admin, object);
  const request = await server.admin.create<{ status: { token: string } }>(`/api/v1/namespaces/${namespace}/serviceaccounts/${release}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  const token = request.status.token;
  const client = new KubeClient({ server: server.url, caPem: server.ca.certPem, token });
  // A new RoleBinding takes effect a few milliseconds later: wait for "not found" instead of "forbidden".
  for (const deadline = Date.now() + RBAC_SETTLE_MS; ; await sleep(100)) {
    const answer = await client.raw("GET", `/api/v1/namespaces/${namespace}/configmaps/rbac-probe`);
    if (answer.status === 404) return { client, token, objects };
    if (Date.now() > deadline) throw new Error(`the chart's Role was not in effect after ${RBAC_SETTLE_MS / 1000} s (${answer.status})`);
  }
}
