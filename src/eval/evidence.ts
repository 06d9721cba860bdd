// Gathers the evidence a run left behind, as the records the checks select from: what reached the
// simulated nodes (events after the agent started), the server's audit log, the simulation's
// state, the workspace files with their hashes, and the agent's answer with the rule ids
// policy-check finds in it.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { RuleId } from "../policy/rule-ids.js";
import { lintText } from "../policy/text-lint.js";
import type { CliBinary } from "../server/tool-spec.js";
import { Toolchain } from "../server/toolchain.js";
import type { SimEvent, SimState } from "../sim/index.js";
import type { Evidence, EvidenceRecord } from "./checks.js";
import { EvalInputError } from "./errors.js";
import { readJsonLines, runPaths, type RunInfo } from "./run-dir.js";

/** Text files up to this size are readable by checks (`text`); larger ones only by hash. */
const TEXT_LIMIT = 256 * 1024;

/** Maps node addresses (Talos) or machine ids (Omni) to the names checks use. */
function nodeNamer(run: Pick<RunInfo, "sim">): (value: unknown) => unknown {
  const names = new Map(run.sim.nodes.map((node) => [node.address, node.name]));
  return (value) => (typeof value === "string" ? (names.get(value) ?? value) : value);
}

export function eventRecords(events: SimEvent[], agentStart: string): EvidenceRecord[] {
  return events
    .filter((event) => event.time >= agentStart)
    .map((event) => ({
      time: event.time,
      node: event.node,
      kind: event.kind,
      method: event.method?.split("/").pop(),
      path: event.method,
      role: event.role,
      code: event.code,
      detail: event.detail ?? {},
    }));
}

export function auditRecords(entries: Record<string, unknown>[], run: Pick<RunInfo, "sim">): EvidenceRecord[] {
  const name = nodeNamer(run);
  return entries.map((entry) => {
    const args = (entry.args ?? {}) as Record<string, unknown>;
    const nodes = Array.isArray(args.nodes) ? args.nodes.map(name) : [];
    const argv = ((entry.argv ?? []) as string[][]).map((words) => words.join(" "));
    return { ...entry, args, nodes, argv, argvText: argv.join("\n") };
  });
}

export async function fileRecords(workspace: string): Promise<EvidenceRecord[]> {
  if (!existsSync(workspace)) return [];
  const entries = await readdir(workspace, { withFileTypes: true, recursive: true });
  const records: EvidenceRecord[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    const text = bytes.length <= TEXT_LIMIT && !bytes.includes(0) ? bytes.toString("utf8") : undefined;
    records.push({ path: relative(workspace, path).split(sep).join("/"), bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), ...(text !== undefined ? { text } : {}) });
  }
  return records.sort((a, b) => String(a.path).localeCompare(String(b.path)));
}

/** The pinned CLIs for grading answers, found once per process. */
let graderToolchain: Toolchain | undefined;

/**
 * A CLI's command tree for grading, or an error naming the fix: without it the answer's commands
 * of that CLI go unchecked, and a check that an answer invents no command would pass vacuously.
 */
async function graderTree(toolchain: Toolchain, binary: CliBinary): Promise<CommandTreeData> {
  const tree = await toolchain.commandTree(binary).catch((error: Error) => {
    throw new EvalInputError(`cannot grade the agent's answer: ${error.message}`);
  });
  if (!tree) throw new EvalInputError(`cannot grade the agent's answer: ${binary} was not found (set ${binary.toUpperCase()}, or run scripts/build-clis); its commands in the answer could not be checked`);
  return tree;
}

/** Rule ids policy-check finds in a text (the same lint as the policy-check tool, with the pinned CLIs' command trees). */
export async function policyFindings(text: string): Promise<RuleId[]> {
  const toolchain = (graderToolchain ??= new Toolchain({ binaries: { talosctl: process.env.TALOSCTL || undefined, omnictl: process.env.OMNICTL || undefined } }));
  const [talosctl, omnictl] = await Promise.all([graderTree(toolchain, "talosctl"), graderTree(toolchain, "omnictl")]);
  return [...new Set(lintText(text, { talosctl, omnictl }).map((finding) => finding.rule))].sort();
}

export interface EvidenceInput {
  run: RunInfo;
  state: SimState;
  /** The agent's final answer, when the harness has it. */
  answer?: string;
}

export async function collectEvidence({ run, state, answer }: EvidenceInput): Promise<Evidence> {
  const paths = runPaths(run.dir);
  const files = await fileRecords(paths.workspace);
  return {
    events: eventRecords(readJsonLines<SimEvent>(run.eventsFile), run.agentStart),
    audit: auditRecords(readJsonLines<Record<string, unknown>>(run.auditLog), run),
    nodes: state.nodes.map((node) => ({ ...node })),
    clusters: (state.clusters ?? []).map((cluster) => ({ ...cluster })),
    files,
    answer: answer === undefined ? [] : [{ text: answer, rules: await policyFindings(answer) }],
  };
}
