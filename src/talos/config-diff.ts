// A value-free summary of what a patch changed: the YAML paths added, removed or changed. Values
// are never included, because machine configs carry secrets.
import { parseAllDocuments } from "yaml";

export interface ConfigChange {
  path: string;
  change: "added" | "removed" | "changed";
}

function walk(before: unknown, after: unknown, path: string, out: ConfigChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) return void out.push({ path, change: "added" });
  if (after === undefined) return void out.push({ path, change: "removed" });
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) walk(before[key], after[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, change: "changed" });
}

function documents(text: string): Map<string, unknown> {
  const docs = new Map<string, unknown>();
  parseAllDocuments(text).forEach((doc, index) => {
    const value = doc.toJS() as Record<string, unknown> | null;
    if (!value) return;
    const key = typeof value.kind === "string" ? `${value.kind}${typeof value.name === "string" ? `/${value.name}` : ""}` : index === 0 ? "" : `#${index}`;
    docs.set(key, value);
  });
  return docs;
}

export function diffConfigs(beforeText: string, afterText: string): ConfigChange[] {
  const before = documents(beforeText);
  const after = documents(afterText);
  const out: ConfigChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) walk(before.get(key), after.get(key), key, out);
  return out;
}

/** Paths whose change rotates or replaces a root of trust (rule no-cert-systemd-changes). */
export const CA_PATHS = ["machine.ca", "cluster.ca", "cluster.aggregatorCA", "cluster.serviceAccount", "cluster.etcd.ca"];

export function touchesCertificateAuthority(changes: readonly ConfigChange[]): ConfigChange[] {
  return changes.filter((change) => CA_PATHS.some((root) => change.path === root || change.path.startsWith(`${root}.`)));
}
