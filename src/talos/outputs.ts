// Parsers for talosctl's output formats (reference §0): the `-o json` stream of indented objects
// (no array), tabwriter tables, and `service <id>` key/value blocks. Pure, so they are unit-tested
// on recorded output and contract-tested against the simulator.

import { ToolError } from "../server/errors.js";

/**
 * The CLI exited 0 but printed something else than the expected format (a wrong binary behind
 * TALOSCTL, a wrapper printing noise): an error, never an empty or made-up result.
 */
export function outputNotUnderstood(what: string, expected: string, text: string): ToolError {
  const sample = text.trim().slice(0, 120) || "(nothing)";
  return new ToolError(`${what} printed output that is not understood (expected ${expected}; it began with ${JSON.stringify(sample)})`, {
    next: "check that the binary is the real, pinned CLI (`talos-mcp doctor`), then try again",
  });
}

/** Drops terminal colour codes (omnictl colours its template output even when piped). */
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

/**
 * Splits a stream of concatenated JSON objects (talosctl/omnictl `-o json`). Anything between
 * them but whitespace, a value that is not an object, or broken JSON is not understood (as
 * `what`): garbage must never read as "no resources".
 */
export function parseJsonStream(text: string, what = "the CLI"): unknown[] {
  const notUnderstood = () => outputNotUnderstood(what, "a stream of JSON objects", text);
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (depth === 0 && char !== "{") {
      if (/\s/.test(char!)) continue;
      throw notUnderstood();
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      if (depth === 0) start = i;
      depth += 1;
    } else if (char === "}" || char === "]") {
      depth -= 1;
      if (depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          throw notUnderstood();
        }
        start = -1;
      }
    }
  }
  if (depth !== 0) throw outputNotUnderstood(what, "a stream of JSON objects; it ends inside one, truncated", text);
  return values;
}

/**
 * Parses a tabwriter table whose header columns are separated by 2+ spaces. Column boundaries are
 * taken from the header positions, so values with single spaces ("2m ago") stay whole. With
 * `required` columns, a table without them is not understood (outputNotUnderstood, as `what`).
 */
export function parseTable(text: string, required: { what: string; columns: readonly string[] } | undefined = undefined): Record<string, string>[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift();
  const columns: { name: string; start: number }[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let match = header ? re.exec(header) : null; match; match = re.exec(header!)) columns.push({ name: match[0], start: match.index });
  if (required && !required.columns.every((name) => columns.some((column) => column.name === name))) {
    throw outputNotUnderstood(required.what, `a table with columns ${required.columns.join(", ")}`, text);
  }
  if (!header) return [];
  return lines.map((line) => {
    const row: Record<string, string> = {};
    columns.forEach((column, index) => {
      const end = index + 1 < columns.length ? columns[index + 1]!.start : undefined;
      row[column.name] = line.slice(column.start, end).trim();
    });
    return row;
  });
}

export interface ServiceInfo {
  node?: string;
  id: string;
  state: string;
  health: string;
  lastHealthMessage?: string;
  events: string[];
}

/** Parses `talosctl service <id>`: blocks of "KEY   value" lines, one block per node. */
export function parseServiceInfo(text: string): ServiceInfo[] {
  const services: ServiceInfo[] = [];
  let current: ServiceInfo | undefined;
  let node: string | undefined;
  for (const line of text.split("\n")) {
    const match = /^(NODE|ID|STATE|HEALTH|LAST HEALTH MESSAGE|EVENTS|)\s{2,}(.*)$/.exec(line) ?? (/^\s+(\[.*)$/.exec(line) ? ["", "", line.trim()] : null);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (key === "NODE") node = value.trim();
    else if (key === "ID") {
      current = { node, id: value.trim(), state: "", health: "", events: [] };
      services.push(current);
    } else if (current) {
      if (key === "STATE") current.state = value.trim();
      else if (key === "HEALTH") current.health = value.trim();
      else if (key === "LAST HEALTH MESSAGE") current.lastHealthMessage = value.trim();
      else current.events.push(value.trim());
    }
  }
  return services;
}

/** `N error(s) occurred:` lists from multi-node replies: "\t* <node>: <message>". */
export function parseNodeErrors(stderr: string): { node: string; message: string }[] {
  return [...stderr.matchAll(/^\s*\*\s+([^:\s]+):\s+(.*)$/gm)].map((m) => ({ node: m[1]!, message: m[2]! }));
}

export interface NodeVersion {
  node: string;
  tag?: string;
  sha?: string;
  osArch?: string;
  features?: string;
}

/**
 * Parses `talosctl version` (long form): Client block, then one "NODE:" block per server. An
 * answer without any server block is not understood.
 */
export function parseVersionOutput(text: string): { client?: string; nodes: NodeVersion[] } {
  const [clientPart = "", serverPart = ""] = text.split(/^Server:\s*$/m);
  const client = /Tag:\s+(\S+)/.exec(clientPart)?.[1];
  const nodes: NodeVersion[] = [];
  let current: NodeVersion | undefined;
  for (const line of serverPart.split("\n")) {
    const match = /^\s*([A-Za-z/ ]+):\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (key === "NODE") {
      current = { node: value.trim() };
      nodes.push(current);
    } else if (current) {
      if (key === "Tag") current.tag = value.trim();
      else if (key === "SHA") current.sha = value.trim();
      else if (key === "OS/Arch") current.osArch = value.trim();
      else if (key === "Enabled") current.features = value.trim();
    }
  }
  if (nodes.length === 0) throw outputNotUnderstood("talosctl version", "a Server: block with NODE: and Tag: lines", text);
  return { client, nodes };
}
