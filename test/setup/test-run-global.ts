// Global setup: one run directory per `vitest run`, shared by every project and worker through
// the environment; the suite's temp files go under it (TMPDIR) so the secrets scan can find the
// key material they hold and the audit logs the servers wrote (so tests leave their temp files
// to it instead of removing them). Removed at the end unless the scan ran and failed: then it is
// kept, and named, for the investigation.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_ENV } from "../helpers/test-run.js";

export const SCAN_STARTED = "scan-started";
export const SCAN_PASSED = "scan-passed";

export default function setup(): () => void {
  // Root config and each project run this; the first one makes the directory.
  if (!process.env[RUN_ENV]) {
    const run = mkdtempSync(join(tmpdir(), "talos-mcp-test-run-"));
    mkdirSync(join(run, "tmp"));
    process.env[RUN_ENV] = run;
    process.env.TMPDIR = join(run, "tmp");
  }
  const run = process.env[RUN_ENV]!;
  return () => {
    if (!existsSync(run)) return;
    // A run of a few files (no scan) leaves nothing behind either.
    if (existsSync(join(run, SCAN_STARTED)) && !existsSync(join(run, SCAN_PASSED))) {
      console.error(`secrets scan failed: the run's files are kept in ${run}`);
      return;
    }
    // Retried: a process of the suite may still be finishing a write in it.
    rmSync(run, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
