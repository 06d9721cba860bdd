// What a consent covers. A plan is bound to the caller, the tool, the canonical arguments and the
// targets (a digest of all four), to the SHA-256 of every workspace file the call reads (machine
// configs, patches, snapshots, templates) and to the preview that was shown. Any difference when
// the approval is used means the person approved something else: the call is refused.
import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import { relative } from "node:path";
import { sha256File } from "../fs/atomic.js";

export interface PlanBinding {
  caller: string;
  tool: string;
  args: Record<string, unknown>;
  targets: string[];
}

/** Workspace-relative path → "sha256:<hex>", or "absent" for a path that did not exist. */
export type FileDigests = Record<string, string>;

/** Stable JSON: object keys sorted at every level, so equal arguments give equal digests. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function bindingDigest(binding: PlanBinding): string {
  const targets = [...binding.targets].sort();
  return createHash("sha256").update(canonicalJson({ ...binding, targets })).digest("hex");
}

export function previewDigest(preview: string | undefined): string | undefined {
  return preview === undefined ? undefined : createHash("sha256").update(preview).digest("hex");
}

/**
 * Digests of the files among `paths` (directories are skipped: what a call reads inside one is
 * bound file by file). Keys are relative to the workspace root, as a person sees them.
 */
export async function digestFiles(root: string, paths: Iterable<string>): Promise<FileDigests> {
  const digests: FileDigests = {};
  for (const path of [...new Set(paths)].sort()) {
    const info = await lstat(path).catch(() => undefined);
    if (info?.isDirectory()) continue;
    digests[relative(root, path)] = info ? `sha256:${await sha256File(path)}` : "absent";
  }
  return digests;
}

/** Paths whose digest differs between what was approved and what is there now, in either direction. */
export function changedFiles(approved: FileDigests, current: FileDigests): string[] {
  const paths = new Set([...Object.keys(approved), ...Object.keys(current)]);
  return [...paths].filter((path) => (approved[path] ?? "absent") !== (current[path] ?? "absent")).sort();
}
