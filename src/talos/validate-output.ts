// Parses `talosctl validate` output: on failure a multierror list on stderr ("N errors occurred:"
// then "\t* message" lines, nested), on success "<file> is valid for <mode> mode" on stdout with
// any warnings on stderr.
export interface ValidationReport {
  errors: string[];
  warnings: string[];
}

const HEADER = /^\d+ errors? occurred:$/;

export function parseValidateOutput(exitCode: number, stdout: string, stderr: string): ValidationReport {
  const items = stderr
    .split("\n")
    .map((line) => line.trim().replace(/^\*\s*/, ""))
    .filter((line) => line !== "" && !HEADER.test(line))
    // "v1alpha1.Config: 4 errors occurred:" introduces a nested list; the items follow.
    .filter((line) => !/: \d+ errors? occurred:$/.test(line));
  const cleaned = items.map((line) => line.replace(/^WARNING:\s*/, ""));
  if (exitCode === 0) return { errors: [], warnings: cleaned.filter((line) => !stdout.includes(line)) };
  return { errors: cleaned, warnings: [] };
}
