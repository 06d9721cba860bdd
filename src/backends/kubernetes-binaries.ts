// The pinned Kubernetes binaries (kube-apiserver, etcd, helm) that the simulator's Kubernetes
// scenarios and the tests run. scripts/build-k8s builds them into the cache as <name>-<version>;
// both read the versions from kubernetes-pins.json, next to this file.
import { readFileSync } from "node:fs";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { cacheDir } from "./binaries.js";

const version = z.string().regex(/^v\d+\.\d+\.\d+$/, "must be a version like v1.35.4");
const pinsSchema = z.object({ "kube-apiserver": version, etcd: version, helm: version }).strict();

export type KubernetesBinary = keyof z.infer<typeof pinsSchema>;

export const KUBERNETES_PINS: Readonly<Record<KubernetesBinary, string>> = pinsSchema.parse(
  JSON.parse(readFileSync(new URL("./kubernetes-pins.json", import.meta.url), "utf8")),
);

/** The Kubernetes version the pinned kube-apiserver serves, as Talos writes it (no "v"): 1.35.4. */
export const KUBERNETES_VERSION = KUBERNETES_PINS["kube-apiserver"].slice(1);

export function kubernetesBinaryPath(name: KubernetesBinary, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "bin", `${name}-${KUBERNETES_PINS[name]}`);
}

/** The cached binary, or an error that says how to build it. */
export async function requireKubernetesBinary(name: KubernetesBinary, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = kubernetesBinaryPath(name, env);
  const ok = await access(path, constants.X_OK).then(() => true, () => false);
  if (!ok) throw new Error(`${name} ${KUBERNETES_PINS[name]} is not built (looked for ${path}): run \`bash scripts/build-k8s\` once (needs Go >= 1.25; several minutes)`);
  return path;
}
