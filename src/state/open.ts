// Builds the configured state backend. The kubernetes backend (and with it the HTTP client) is
// loaded only when configured: a file-backed server never pays for it at start-up. It reads a
// kubeconfig (inline data or a token, as `kubectl config view --raw --minify` prints) or, without
// one, the pod's service-account credentials; the namespace is the configured one, else the pod's.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Config, StateConfig } from "../config-types.js";
import type { KubeClient } from "../kubernetes/client.js";
import { credentialsFromKubeconfig, inClusterCredentials } from "../kubernetes/kubeconfig.js";
import type { StateBackend } from "./backend.js";
import { FileStateBackend } from "./file-backend.js";

/** Requests to the API that take longer fail (and mutations are refused), ms. */
const API_TIMEOUT_MS = 5_000;

/** A client for the kubernetes backend's API, and the namespace of its objects. */
async function stateApiClient(state: StateConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ client: KubeClient; namespace: string }> {
  const { KubeClient } = await import("../kubernetes/client.js");
  if (state.kubeconfig) {
    const credentials = credentialsFromKubeconfig(readFileSync(state.kubeconfig, "utf8"), state.kubeconfig);
    return { client: new KubeClient(credentials, { timeoutMs: API_TIMEOUT_MS }), namespace: state.namespace ?? "default" };
  }
  const inCluster = inClusterCredentials(env);
  return { client: new KubeClient(inCluster, { timeoutMs: API_TIMEOUT_MS }), namespace: state.namespace ?? inCluster.namespace };
}

/** The file backend; refuses a config that asks for another (never a silent fallback to local state). */
export function fileStateBackend(config: Pick<Config, "stateDir" | "state">): FileStateBackend {
  const { state } = config;
  if (state.backend !== "file") throw new Error(`the ${state.backend} state backend must be opened with openStateBackend() and passed in`);
  return new FileStateBackend(config.stateDir, { leaseMs: state.leaseSeconds * 1000, waitMs: state.lockWaitMs });
}

export async function openStateBackend(config: Pick<Config, "stateDir" | "state">, env: NodeJS.ProcessEnv = process.env): Promise<StateBackend> {
  const { state } = config;
  if (state.backend === "file") return fileStateBackend(config);
  const [{ KubernetesStateBackend }, { client, namespace }] = await Promise.all([import("./kubernetes-backend.js"), stateApiClient(state, env)]);
  return new KubernetesStateBackend({
    client,
    namespace,
    replica: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    leaseSeconds: state.leaseSeconds,
    waitMs: state.lockWaitMs,
  });
}
