// The suite's run directory (made by test/setup/test-run-global.ts): every worker appends what the
// servers under test said (results, elicitations, stderr, logs) and the secrets the suite used
// (bearer tokens) as JSON lines, for the secrets scan that runs after every other test
// (test/secrets/scan.test.ts). Temp files of the whole suite live under <run>/tmp (TMPDIR): tests
// leave them there (the run directory goes at the end), so the scan knows every key they made.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export const RUN_ENV = "TALOS_MCP_TEST_RUN";

export const runDir = (): string | undefined => process.env[RUN_ENV];

function append(kind: "outputs" | "material", entry: Record<string, unknown>): void {
  const run = runDir();
  if (!run) return;
  mkdirSync(join(run, kind), { recursive: true });
  appendFileSync(join(run, kind, `${process.pid}.jsonl`), `${JSON.stringify(entry)}\n`);
}

/** Something a server under test said: a result, a request or notification it sent, stderr. */
export function recordOutput(source: string, text: string): void {
  if (text) append("outputs", { source, text });
}

/** A secret the suite used that is not in any file (a bearer token it presented). */
export function recordMaterial(source: string, secret: string): void {
  append("material", { source, secret });
}
