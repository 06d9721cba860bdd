// Builds the configured state backend. The kubernetes backend (and with it @kubernetes/client-node)
// is loaded only when configured: a file-backed server never pays for it at start-up. It reads a
// kubeconfig or, without one, the pod's service-account credentials; the namespace is the
// configured one, else the kubeconfig context's or the pod's (src/state/kube-objects.ts).
import { hostname } from "node:os";
import type { Config } from "../config-types.js";
import type { StateBackend } from "./backend.js";
import { FileStateBackend } from "./file-backend.js";

/** Requests to the API that take longer fail (and mutations are refused), ms. */
const API_TIMEOUT_MS = 5_000;

/** The file backend; refuses a config that asks for another (never a silent fallback to local state). */
export function fileStateBackend(config: Pick<Config, "stateDir" | "state">): FileStateBackend {
  const { state } = config;
  if (state.backend !== "file") throw new Error(`the ${state.backend} state backend must be opened with openStateBackend() and passed in`);
  return new FileStateBackend(config.stateDir, { leaseMs: state.leaseSeconds * 1000, waitMs: state.lockWaitMs });
}

export async function openStateBackend(config: Pick<Config, "stateDir" | "state">, env: NodeJS.ProcessEnv = process.env): Promise<StateBackend> {
  const { state } = config;
  if (state.backend === "file") return fileStateBackend(config);
  const [{ KubernetesStateBackend }, { openStateObjects }] = await Promise.all([import("./kubernetes-backend.js"), import("./kube-objects.js")]);
  return new KubernetesStateBackend({
    objects: openStateObjects({ kubeconfig: state.kubeconfig, namespace: state.namespace, env, timeoutMs: API_TIMEOUT_MS }),
    replica: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    leaseSeconds: state.leaseSeconds,
    waitMs: state.lockWaitMs,
  });
}
