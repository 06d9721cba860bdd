// Kubeconfig files as Talos writes them (inline certificate data, one admin@<cluster> context),
// the server and credentials a client takes from one, and a pod's in-cluster credentials.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { yaml } from "../lazy-yaml.js";

export interface KubeCredentials {
  /** https://host:port */
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  /** A file holding the bearer token, re-read as it rotates (a pod's service-account token). */
  tokenFile?: string;
}

/** Where the kubelet mounts a pod's service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How long a service-account token read from its file is reused: the kubelet rotates the file. */
const TOKEN_FILE_REREAD_MS = 10_000;

/** The bearer token in `file`, re-read at most every 10 s as the kubelet rotates it. */
export function rotatingTokenFile(file: string, now: () => number = Date.now): () => string {
  let last: { token: string; readAt: number } | undefined;
  return () => {
    if (!last || now() - last.readAt > TOKEN_FILE_REREAD_MS) last = { token: readFileSync(file, "utf8").trim(), readAt: now() };
    return last.token;
  };
}

/**
 * The credentials of the pod this process runs in: the API server from KUBERNETES_SERVICE_HOST/
 * PORT, the CA and the (rotating) token from the service-account mount.
 */
export function inClusterCredentials(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeCredentials & { namespace: string } {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are unset): give a kubeconfig");
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch (error) {
      throw new Error(`in-cluster credentials: cannot read ${join(dir, name)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is automountServiceAccountToken on?`);
    }
  };
  read("token");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    caPem: read("ca.crt"),
    tokenFile: join(dir, "token"),
    namespace: read("namespace").trim(),
  };
}

/** A kubeconfig with one cluster, one user and one context, named as talosctl kubeconfig names them. */
export function renderKubeconfig(credentials: KubeCredentials, names: { cluster: string; user?: string }): string {
  const context = names.user ?? `admin@${names.cluster}`;
  const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
  const user = credentials.token ? { token: credentials.token } : { "client-certificate-data": b64(credentials.certPem ?? ""), "client-key-data": b64(credentials.keyPem ?? "") };
  return yaml().stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: names.cluster, cluster: { server: credentials.server, "certificate-authority-data": b64(credentials.caPem) } }],
    users: [{ name: context, user }],
    contexts: [{ context: { cluster: names.cluster, namespace: "default", user: context }, name: context }],
    "current-context": context,
  });
}

function field(value: unknown, path: string, source: string): string {
  if (typeof value !== "string" || !value) throw new Error(`${source}: ${path} is missing`);
  return value;
}

const fromBase64 = (value: unknown, path: string, source: string) => Buffer.from(field(value, path, source), "base64").toString("utf8");

/** The current context's server, CA and credentials of a kubeconfig (inline data, as Talos writes it). */
export function credentialsFromKubeconfig(text: string, source = "kubeconfig"): KubeCredentials {
  const config = yaml().parse(text) as Record<string, any> | null;
  if (!config || typeof config !== "object") throw new Error(`${source}: not a kubeconfig (expected a YAML mapping)`);
  const contextName = field(config["current-context"], "current-context", source);
  const named = (list: unknown, name: string, key: string) => {
    const entry = (Array.isArray(list) ? list : []).find((item: { name?: string }) => item?.name === name);
    if (!entry?.[key]) throw new Error(`${source}: no ${key} named '${name}' (current-context ${contextName})`);
    return entry[key] as Record<string, unknown>;
  };
  const context = named(config.contexts, contextName, "context");
  const cluster = named(config.clusters, field(context.cluster, `contexts[${contextName}].context.cluster`, source), "cluster");
  const user = named(config.users, field(context.user, `contexts[${contextName}].context.user`, source), "user");
  const credentials: KubeCredentials = {
    server: field(cluster.server, "cluster.server", source),
    caPem: fromBase64(cluster["certificate-authority-data"], "cluster.certificate-authority-data", source),
  };
  if (typeof user.token === "string" && user.token) return { ...credentials, token: user.token };
  return {
    ...credentials,
    certPem: fromBase64(user["client-certificate-data"], "user.client-certificate-data (or user.token)", source),
    keyPem: fromBase64(user["client-key-data"], "user.client-key-data", source),
  };
}
