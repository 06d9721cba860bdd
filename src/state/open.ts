// Builds the configured state backend. The kubernetes backend reads a kubeconfig (inline data or a
// token, as `kubectl config view --raw --minify` prints) or, without one, the pod's
// service-account credentials; the namespace is the configured one, else the pod's.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Config } from "../config-types.js";
import { KubeClient } from "../kubernetes/client.js";
import { credentialsFromKubeconfig, inClusterCredentials } from "../kubernetes/kubeconfig.js";
import type { StateBackend } from "./backend.js";
import { FileStateBackend } from "./file-backend.js";
import { KubernetesStateBackend } from "./kubernetes-backend.js";

/** Requests to the API that take longer fail (and mutations are refused), ms. */
const API_TIMEOUT_MS = 5_000;

export function openStateBackend(config: Pick<Config, "stateDir" | "state">, env: NodeJS.ProcessEnv = process.env): StateBackend {
  const { state } = config;
  if (state.backend === "file") return new FileStateBackend(config.stateDir, { leaseMs: state.leaseSeconds * 1000, waitMs: state.lockWaitMs });
  let credentials;
  let namespace = state.namespace;
  if (state.kubeconfig) {
    credentials = credentialsFromKubeconfig(readFileSync(state.kubeconfig, "utf8"), state.kubeconfig);
  } else {
    const inCluster = inClusterCredentials(env);
    credentials = inCluster;
    namespace ??= inCluster.namespace;
  }
  return new KubernetesStateBackend({
    client: new KubeClient(credentials, { timeoutMs: API_TIMEOUT_MS }),
    namespace: namespace ?? "default",
    replica: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    leaseSeconds: state.leaseSeconds,
    waitMs: state.lockWaitMs,
  });
}
