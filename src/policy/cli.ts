// `talos-mcp policy-check [FILE|-] [--json] [--roles LIST]`: grades a text an agent wrote — an
// answer, a runbook, a whole chat transcript — against the Talos rules, the same lint as the
// policy-check tool. Exit 0 clean, 1 findings, 2 bad input. Eval harnesses call it from their
// verify steps, so the --json shape (PolicyCheckReport) is stable; README documents it.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import { Toolchain } from "../server/toolchain.js";
import type { CliBinary } from "../server/tool-spec.js";
import { RULE_IDS, type RuleId } from "./rule-ids.js";
import { ruleById } from "./rules.js";
import { lintText, type Finding } from "./text-lint.js";
import { readPolicyInput, TranscriptError, type GradedText } from "./transcript.js";

const HELP = `Usage: talos-mcp policy-check [FILE|-] [--json] [--roles assistant,user]

Grades text against the Talos rules (no SSH, no file edits on nodes, no package managers, no kubeadm,
no systemd/certificate changes, bootstrap once, destructive operations said plainly, Omni-managed
clusters changed through Omni, only real talosctl/omnictl commands and flags). Prose and code alike;
explanations that name a forbidden thing to say it is forbidden are not findings.

Input (FILE, or stdin when FILE is - or absent): plain text or Markdown; or a JSON chat transcript —
an array of {role, content}, an object with "messages", or JSON Lines of messages, content as a
string or as parts with "text". Only the roles in --roles are graded (default: assistant).

Commands are checked against the pinned talosctl/omnictl (TALOSCTL/OMNICTL, the build cache, PATH);
the first run reads their command trees (about a minute), later runs use the cache.

Output: findings with rule ids, lines and fixes; --json prints one object:
  {"clean", "format": "text"|"chat", "rules": [...], "cli": {"talosctl", "omnictl"}, "findings": [...]}
Exit: 0 clean, 1 findings, 2 bad input (message on stderr).
`;

/** Input larger than this is not a transcript but a mistake (a binary, a log dump). */
const MAX_INPUT_BYTES = 5 * 1024 * 1024;

export interface PolicyCheckReport {
  clean: boolean;
  format: "text" | "chat";
  /** Distinct rule ids of the findings, in rule order. */
  rules: RuleId[];
  /** Versions of the CLIs the commands were checked against; null when one was not found (its commands unchecked). */
  cli: Record<CliBinary, string | null>;
  findings: (Finding & { docs: string; excerpt: string; chat?: { index: number; role: string } })[];
}

async function readInput(file: string | undefined): Promise<string> {
  if (file && file !== "-") {
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new TranscriptError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    if (bytes.length > MAX_INPUT_BYTES) throw new TranscriptError(`${file} is ${bytes.length} bytes; policy-check reads at most ${MAX_INPUT_BYTES}`);
    return bytes.toString("utf8");
  }
  if (process.stdin.isTTY) throw new TranscriptError("no input: pass a FILE, or pipe the text to stdin");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new TranscriptError(`stdin is over ${MAX_INPUT_BYTES} bytes; policy-check reads at most that`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Grades every text; findings keep their place in their own text (and their chat message). */
function gradeTexts(texts: readonly GradedText[], trees: Partial<Record<CliBinary, CommandTreeData>>): PolicyCheckReport["findings"] {
  return texts.flatMap(({ text, chat }) =>
    lintText(text, trees).map((finding) => ({ ...finding, docs: ruleById(finding.rule).docs, excerpt: text.slice(finding.span.start, finding.span.end).slice(0, 200), ...(chat ? { chat } : {}) })),
  );
}

function formatText(report: PolicyCheckReport): string {
  const lines = report.findings.map((f) => {
    const where = `${f.chat ? `message ${f.chat.index} (${f.chat.role}) ` : ""}line ${f.span.line}:${f.span.column}`;
    return `${f.severity.toUpperCase()} [${f.rule}] ${where}: ${f.message}\n  fix: ${f.fix}\n  docs: ${f.docs}`;
  });
  const unchecked = (Object.keys(report.cli) as CliBinary[]).filter((binary) => report.cli[binary] === null);
  const note = unchecked.length ? `\n(${unchecked.join(" and ")} not found: ${unchecked.length > 1 ? "their" : "its"} commands were not checked for real-commands-only)` : "";
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${report.clean ? "clean: nothing breaks a Talos rule" : `${report.findings.length} finding(s): ${report.rules.join(", ")}`}${note}\n`;
}

export async function runPolicyCheckCli(argv: string[]): Promise<number> {
  const fail = (message: string) => (process.stderr.write(`talos-mcp policy-check: ${message}\n`), 2);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: "boolean" }, roles: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    return fail(`${(error as Error).message} (see talos-mcp policy-check --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) return fail(`one FILE at most, got ${positionals.length}: ${positionals.join(" ")}`);
  const roles = new Set((values.roles ?? "assistant").split(",").map((role) => role.trim()).filter(Boolean));
  if (roles.size === 0) return fail("--roles needs at least one role, e.g. --roles assistant or --roles assistant,user");

  let input;
  try {
    input = readPolicyInput(await readInput(positionals[0]), roles);
  } catch (error) {
    if (error instanceof TranscriptError) return fail(error.message);
    throw error;
  }

  const toolchain = new Toolchain({ binaries: { talosctl: process.env.TALOSCTL || undefined, omnictl: process.env.OMNICTL || undefined } });
  const trees: Partial<Record<CliBinary, CommandTreeData>> = {};
  try {
    for (const binary of ["talosctl", "omnictl"] as const) trees[binary] = await toolchain.commandTree(binary);
  } catch (error) {
    return fail((error as Error).message);
  }
  const findings = gradeTexts(input.texts, trees);
  const rules = [...new Set(findings.map((f) => f.rule))];
  const report: PolicyCheckReport = {
    clean: findings.length === 0,
    format: input.format,
    rules: rules.sort((a, b) => RULE_IDS.indexOf(a) - RULE_IDS.indexOf(b)),
    cli: { talosctl: trees.talosctl?.version ?? null, omnictl: trees.omnictl?.version ?? null },
    findings,
  };
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
  return report.clean ? 0 : 1;
}
