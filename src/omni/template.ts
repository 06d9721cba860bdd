// Omni cluster templates: what the server checks before omnictl sees them (every referenced patch
// file must resolve inside the workspace) and how omnictl's validation errors are parsed into
// structured findings (document, line, column, field).
import { dirname, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export interface TemplateIssue {
  message: string;
  document?: number;
  line?: number;
  column?: number;
  field?: string;
  cluster?: string;
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

/** Parses `omnictl cluster template validate` errors (multierror lists and decode errors). */
export function parseTemplateErrors(stderr: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const decode = /error decoding document at line (\d+):(\d+): ([\s\S]*)/.exec(stderr);
  if (decode) {
    const [, line, column, rest] = decode;
    const field = /field (\S+) not found in type models\.(\w+)/.exec(rest!);
    const inner = /line (\d+): (.*)/.exec(rest!);
    issues.push({
      message: (inner?.[2] ?? rest!).trim().split("\n")[0]!,
      line: inner ? Number(line) + Number(inner[1]) - 1 : Number(line),
      column: Number(column),
      ...(field ? { field: field[1], document: undefined } : {}),
    });
    return issues;
  }
  let cluster: string | undefined;
  for (const raw of stderr.split("\n")) {
    const line = raw.trim().replace(/^\*\s*/, "").replace(/^Error:\s*/, "");
    const clusterMatch = /^error validating cluster "([^"]*)":/.exec(line);
    if (clusterMatch) {
      cluster = clusterMatch[1];
      continue;
    }
    if (line === "" || /^\d+ errors? occurred:$/.test(line) || /: \d+ errors? occurred:$/.test(line)) continue;
    issues.push({ message: line, ...(cluster !== undefined ? { cluster } : {}) });
  }
  return issues;
}

/** Names of the clusters a template declares (`kind: Cluster` documents). */
export function templateClusterNames(text: string): string[] {
  return parseAllDocuments(text)
    .filter((doc) => doc.errors.length === 0)
    .map((doc) => doc.toJS() as { kind?: unknown; name?: unknown } | null)
    .filter((value) => value?.kind === "Cluster" && typeof value.name === "string")
    .map((value) => value!.name as string);
}
