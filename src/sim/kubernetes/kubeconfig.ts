// Kubeconfig files as Talos writes them (inline certificate data, one admin@<cluster> context),
// and the server and credentials a client takes from one.
import { stringify, parse as parseYaml } from "yaml";

export interface KubeCredentials {
  /** https://host:port */
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

/** A kubeconfig with one cluster, one user and one context, named as talosctl kubeconfig names them. */
export function renderKubeconfig(credentials: KubeCredentials, names: { cluster: string; user?: string }): string {
  const context = names.user ?? `admin@${names.cluster}`;
  const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
  const user = credentials.token ? { token: credentials.token } : { "client-certificate-data": b64(credentials.certPem ?? ""), "client-key-data": b64(credentials.keyPem ?? "") };
  return stringify({
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
  const config = parseYaml(text) as Record<string, any> | null;
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
