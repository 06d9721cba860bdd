// The layout of a cluster generated in the workspace, and what may be said about it in a result:
// paths, the endpoint, the admin certificate's fingerprint and expiry — never key material.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";

export const CLUSTER_FILES = ["secrets.yaml", "controlplane.yaml", "worker.yaml", "talosconfig"] as const;

export interface ClusterPaths {
  dir: string;
  secrets: string;
  controlplane: string;
  worker: string;
  talosconfig: string;
}

export function clusterPaths(dir: string): ClusterPaths {
  return {
    dir,
    secrets: join(dir, "secrets.yaml"),
    controlplane: join(dir, "controlplane.yaml"),
    worker: join(dir, "worker.yaml"),
    talosconfig: join(dir, "talosconfig"),
  };
}

export interface AdminCertificate {
  fingerprintSha256: string;
  notAfter: string;
  subject: string;
}

/** Reads the client certificate of the talosconfig's context `name` (public data only). */
export async function readAdminCertificate(talosconfigPath: string, name: string): Promise<AdminCertificate> {
  const doc = parseYaml(await readFile(talosconfigPath, "utf8")) as { contexts?: Record<string, { crt?: string }> };
  const crt = doc.contexts?.[name]?.crt;
  if (!crt) throw new Error(`talosconfig ${talosconfigPath} has no client certificate for context ${name}`);
  const cert = new X509Certificate(Buffer.from(crt, "base64"));
  return {
    fingerprintSha256: cert.fingerprint256.replaceAll(":", "").toLowerCase(),
    notAfter: new Date(cert.validTo).toISOString(),
    subject: cert.subject.replaceAll("\n", ", "),
  };
}

export interface MachineConfigSummary {
  type?: string;
  clusterName?: string;
  clusterEndpoint?: string;
  installDisk?: string;
  installImage?: string;
  kubernetesVersion?: string;
}

/** Public facts of a machine config (the first v1alpha1 document of a multi-document file). */
export function summariseMachineConfig(text: string): MachineConfigSummary {
  const doc = parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, any> | null)
    .find((d) => d && (d.version === "v1alpha1" || d.machine));
  if (!doc) return {};
  const image: string | undefined = doc.cluster?.apiServer?.image;
  return {
    type: doc.machine?.type,
    clusterName: doc.cluster?.clusterName,
    clusterEndpoint: doc.cluster?.controlPlane?.endpoint,
    installDisk: doc.machine?.install?.disk,
    installImage: doc.machine?.install?.image,
    kubernetesVersion: image?.split(":").pop()?.replace(/^v/, ""),
  };
}
