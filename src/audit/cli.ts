// `talos-mcp audit verify [--head HASH] [--json] FILE…`: checks the audit log's hash chain.
// Several files are checked as one chain, oldest first (rotated files, then the current one):
// each must link to the last line of the one before. Exit 0 when intact, 1 naming the first bad
// line, 2 for usage errors.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { verifyChain, type ChainVerdict } from "./chain.js";

const USAGE = `Usage: talos-mcp audit verify [--head HASH] [--json] FILE…

Checks that every line of the audit log links to the line before it (hash chain).
Give rotated files oldest first, then the current file, e.g.
  talos-mcp audit verify audit.jsonl.* audit.jsonl
--head HASH   the last line's hash must be HASH (a head recorded earlier, e.g. shipped
              elsewhere): catches lines removed from the end
--json        print the result as JSON
Exit status: 0 intact, 1 a bad line (named), 2 usage error.
`;

interface FileResult {
  file: string;
  verdict: ChainVerdict;
}

export async function verifyFiles(files: readonly string[], expectedHead?: string): Promise<{ ok: boolean; files: FileResult[]; problem?: string }> {
  const results: FileResult[] = [];
  let after: string | undefined;
  for (const [index, file] of files.entries()) {
    const verdict = verifyChain(await readFile(file, "utf8"), index === 0 ? {} : { after });
    results.push({ file, verdict });
    if (!verdict.ok) return { ok: false, files: results, problem: `${file} line ${verdict.line}: ${verdict.reason}` };
    after = verdict.head;
  }
  if (expectedHead !== undefined && after !== expectedHead) {
    const last = results.at(-1)!;
    return {
      ok: false,
      files: results,
      problem: `${last.file} line ${last.verdict.lines}: the chain ends at ${after}, not at the expected head ${expectedHead} (lines were removed from the end, or the head belongs to another log)`,
    };
  }
  return { ok: true, files: results };
}

export async function runAuditCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "verify") {
    process.stderr.write(`talos-mcp audit: unknown command '${command}' (only: verify)\n`);
    return 2;
  }
  let values: { head?: string; json?: boolean; help?: boolean };
  let files: string[];
  try {
    const parsed = parseArgs({ args: rest, options: { head: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } }, strict: true, allowPositionals: true });
    values = parsed.values;
    files = parsed.positionals;
  } catch (error) {
    process.stderr.write(`talos-mcp audit verify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (files.length === 0) {
    process.stderr.write(`talos-mcp audit verify: name at least one audit file\n${USAGE}`);
    return 2;
  }
  if (values.head !== undefined && !/^[0-9a-f]{64}$/.test(values.head)) {
    process.stderr.write("talos-mcp audit verify: --head must be a sha256 hex digest (64 characters 0-9a-f)\n");
    return 2;
  }
  let outcome: Awaited<ReturnType<typeof verifyFiles>>;
  try {
    outcome = await verifyFiles(files, values.head);
  } catch (error) {
    process.stderr.write(`talos-mcp audit verify: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ok: outcome.ok, problem: outcome.problem, files: outcome.files.map(({ file, verdict }) => ({ file, ...verdict })) }, null, 2)}\n`);
  } else if (outcome.ok) {
    for (const { file, verdict } of outcome.files) {
      process.stdout.write(`${file}: intact, ${verdict.lines} line(s), head ${verdict.head}${verdict.continuesFrom ? `, continues from ${verdict.continuesFrom}` : ""}\n`);
    }
  } else {
    process.stderr.write(`talos-mcp audit verify: ${outcome.problem}\n`);
  }
  return outcome.ok ? 0 : 1;
}
