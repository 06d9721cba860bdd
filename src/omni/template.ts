// Omni cluster templates: what the server checks before omnictl sees them (every referenced patch
// file must resolve inside the workspace) and how omnictl's validation errors are parsed into
// structured findings (document, line, column, field).
import { dirname, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export interface TemplateIssue {
  message: string;
  /** 1-based YAML document of the template file (filled in by documentAtLine). */
  document?: number;
  line?: number;
  column?: number;
  field?: string;
  cluster?: string;
  /** The part of the template omnictl names, e.g. "controlplane", "workers", 'patch "a.yaml"'. */
  section?: string;
}

/** Patch files a template references (`patches[].file` in any document), relative to the template. */
export function referencedPatchFiles(templatePath: string, text: string): string[] {
  const files: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    // Broken YAML is omnictl's to report, with its own line numbers.
    if (doc.errors.length) continue;
    const value = doc.toJS() as { patches?: { file?: unknown }[] } | null;
    for (const patch of value?.patches ?? []) if (typeof patch?.file === "string") files.push(resolve(dirname(templatePath), patch.file));
  }
  return files;
}

/**
 * Parses `omnictl cluster template validate` errors: load errors (`error decoding document at line
 * L:C` + yaml's `line N`, `error in document at line L:C`) and validation multierrors
 * (`error validating cluster "n"`, `<section> is invalid`, then `* message` lines).
 * omnictl's L is the document's `---` separator for every document but the first, and yaml's N
 * counts from the line after it; with the template text the issue gets the line of the content
 * itself and its document number.
 */
export function parseTemplateErrors(stderr: string, text?: string): TemplateIssue[] {
  const load = /error (decoding|in) document at line (\d+):(\d+): ([\s\S]*)/.exec(stderr);
  if (load) {
    const [, how, reported, column, rest] = load;
    const inner = how === "decoding" ? /line (\d+): (.*)/.exec(rest!) : null;
    const message = (inner?.[2] ?? rest!).trim().split("\n")[0]!;
    const field = /field (\S+) not found in type models\.\w+/.exec(message)?.[1] ?? (/unknown model kind/.test(message) ? "kind" : undefined);
    const separatorLine = text !== undefined && /^---(\s|$)/.test(text.split("\n")[Number(reported) - 1] ?? "");
    const contentStart = Number(reported) + (separatorLine ? 1 : 0);
    const line = inner ? contentStart + Number(inner[1]) - 1 : contentStart;
    return [{ message, line, column: Number(column), ...(text !== undefined ? { document: documentAtLine(text, line) } : {}), ...(field ? { field } : {}) }];
  }
  const issues: TemplateIssue[] = [];
  let cluster: string | undefined;
  let section: string | undefined;
  for (const raw of stderr.split("\n")) {
    const line = raw.trim().replace(/^\*\s*/, "").replace(/^Error:\s*/, "");
    if (line === "" || /^\d+ errors? occurred:$/.test(line)) continue;
    const clusterMatch = /^error validating cluster "([^"]*)": \d+ errors? occurred:$/.exec(line);
    if (clusterMatch) {
      cluster = clusterMatch[1];
      continue;
    }
    const sectionMatch = /^(.+?) is invalid: \d+ errors? occurred:$/.exec(line);
    if (sectionMatch) {
      section = sectionMatch[1];
      continue;
    }
    // A nested multierror heading ("error validating Talos version: 1 error occurred:") adds no fact.
    if (/: \d+ errors? occurred:$/.test(line)) continue;
    const field = /^(\w+) should /.exec(line)?.[1];
    issues.push({ message: line, ...(cluster !== undefined ? { cluster } : {}), ...(section ? { section } : {}), ...(field ? { field } : {}) });
  }
  return issues;
}

/** The 1-based YAML document of a multi-document file that holds `line` (1-based). */
export function documentAtLine(text: string, line: number): number {
  let document = 1;
  let sawContent = false;
  for (const current of text.split("\n").slice(0, line - 1)) {
    if (/^---(\s|$)/.test(current)) {
      if (sawContent) document++;
      sawContent = false;
    } else if (current.trim() !== "" && !current.trim().startsWith("#")) sawContent = true;
  }
  return document;
}

/** Names of the clusters a template declares (`kind: Cluster` documents). */
export function templateClusterNames(text: string): string[] {
  return parseAllDocuments(text)
    .filter((doc) => doc.errors.length === 0)
    .map((doc) => doc.toJS() as { kind?: unknown; name?: unknown } | null)
    .filter((value) => value?.kind === "Cluster" && typeof value.name === "string")
    .map((value) => value!.name as string);
}
