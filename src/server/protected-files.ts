// Rule protected-files: workspace files that matter — secrets bundles, talosconfigs, kubeconfigs,
// Omni credentials, etcd snapshots and the server's own state (the bootstrap ledger) — are never
// replaced by a tool. A file is recognised by its content first (a secrets bundle renamed to
// x.yaml is still one) and by its name when the content says nothing. The one replacement allowed
// is a refresh: a talosconfig, kubeconfig or omniconfig replaced by one of the same kind for the
// same cluster (the same CA certificates or API endpoints) — what `kubeconfig` and a regenerated
// `gen-config` do. Everything else is refused; people move or delete such files themselves.
import { basename } from "node:path";
import { yaml } from "../lazy-yaml.js";
import { serviceAccountKeyProblem } from "../omni/auth.js";

export type ProtectedKind = "secrets bundle" | "talosconfig" | "kubeconfig" | "Omni credential" | "etcd snapshot" | "server state";

export interface ProtectedFile {
  kind: ProtectedKind;
  /** What makes two credentials "the same cluster's"; undefined for kinds that are never refreshed. */
  identity?: string;
  /** How it was recognised. */
  by: "content" | "name";
}

export type ReplacementVerdict = { allow: true } | { allow: false; reason: string };

/** Bytes of a file that classification looks at; larger files are judged by their head and name. */
export const CLASSIFY_LIMIT = 1024 * 1024;
const BBOLT_MAGIC = 0xed0cdaed;

const BY_NAME: ReadonlyArray<[RegExp, ProtectedKind]> = [
  [/^secrets\.ya?ml$/i, "secrets bundle"],
  [/^talosconfig$/i, "talosconfig"],
  [/^kubeconfig$/i, "kubeconfig"],
  [/^omniconfig$/i, "Omni credential"],
  [/\.snapshot$/i, "etcd snapshot"],
  [/^cluster-state\.json$/i, "server state"],
];

type Doc = Record<string, unknown>;
const isObject = (value: unknown): value is Doc => typeof value === "object" && value !== null && !Array.isArray(value);
const sortedJoin = (values: unknown[]) => [...new Set(values.map(String))].sort().join("\n");

function classifyDocument(doc: Doc): ProtectedFile | undefined {
  if (isObject(doc.certs) && isObject(doc.secrets)) return { kind: "secrets bundle", by: "content" };
  if (isObject(doc.nodes) && Array.isArray(doc.bootstraps)) return { kind: "server state", by: "content" };
  if (doc.kind === "Config" && Array.isArray(doc.clusters) && Array.isArray(doc.users)) {
    const clusters = doc.clusters.map((entry) => (isObject(entry) && isObject(entry.cluster) ? entry.cluster : {}));
    return { kind: "kubeconfig", by: "content", identity: sortedJoin(clusters.map((c) => `${c.server ?? ""} ${c["certificate-authority-data"] ?? ""}`)) };
  }
  if (isObject(doc.contexts)) {
    const contexts = Object.values(doc.contexts).filter(isObject);
    if (contexts.some((context) => typeof context.url === "string")) return { kind: "Omni credential", by: "content", identity: sortedJoin(contexts.map((c) => c.url)) };
    if (contexts.some((context) => "endpoints" in context || "ca" in context || "crt" in context || "auth" in context)) {
      return { kind: "talosconfig", by: "content", identity: sortedJoin(contexts.map((c) => c.ca ?? `endpoints ${JSON.stringify(c.endpoints ?? [])}`)) };
    }
  }
  return undefined;
}

/** What a file's bytes are, if they are something protected. */
export function classifyContent(data: Uint8Array): ProtectedFile | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length >= 20 && bytes.readUInt32LE(16) === BBOLT_MAGIC) return { kind: "etcd snapshot", by: "content" };
  if (bytes.length > CLASSIFY_LIMIT) return undefined;
  const text = bytes.toString("utf8");
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text) || serviceAccountKeyProblem(text) === undefined) return { kind: "Omni credential", by: "content" };
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch {
    return undefined;
  }
  return isObject(doc) ? classifyDocument(doc) : undefined;
}

/** What a workspace file is: by content, else by name; undefined for ordinary (and empty) files. */
export function classifyFile(path: string, head: Uint8Array): ProtectedFile | undefined {
  if (head.byteLength === 0) return undefined;
  const byContent = classifyContent(head);
  if (byContent) return byContent;
  const kind = BY_NAME.find(([pattern]) => pattern.test(basename(path)))?.[1];
  return kind ? { kind, by: "name" } : undefined;
}

const REFRESHABLE: ReadonlySet<ProtectedKind> = new Set(["talosconfig", "kubeconfig", "Omni credential"]);
const article = (kind: string) => (/^[aeiouAEIO]/.test(kind) ? "an" : "a");

/** "a secrets bundle", "an etcd snapshot (by its name)". */
export function describeProtected(file: ProtectedFile): string {
  return `${article(file.kind)} ${file.kind}${file.by === "name" ? " (by its name)" : ""}`;
}

/** May `incoming` replace the file at `path` whose first bytes are `existingHead`? */
export function replacementVerdict(path: string, existingHead: Uint8Array, incoming: Uint8Array): ReplacementVerdict {
  const existing = classifyFile(path, existingHead);
  if (!existing) return { allow: true };
  const next = classifyContent(incoming);
  if (REFRESHABLE.has(existing.kind) && existing.identity !== undefined && next?.kind === existing.kind && next.identity === existing.identity) return { allow: true };
  const instead = !next ? "a different kind of file" : next.kind === existing.kind ? `${article(next.kind)} ${next.kind} of another cluster or account` : `${article(next.kind)} ${next.kind}`;
  return { allow: false, reason: `it holds ${describeProtected(existing)}, and replacing it with ${instead} would lose it` };
}

/** Kinds that are never replaced, whatever replaces them (checked before a tool does any work). */
export function neverReplaced(file: ProtectedFile): boolean {
  return !REFRESHABLE.has(file.kind) || file.identity === undefined;
}
