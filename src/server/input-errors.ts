// Turns zod issues into one message that names each field and says what is expected, because
// "Invalid input" gives a model nothing to fix.
import type { z } from "zod";

export function describeInputIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.map(String).join(".") : "(arguments)";
      if (issue.code === "unrecognized_keys") {
        const where = issue.path.length ? `${field}.` : "";
        return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${where}${k}'`).join(", ")}: remove ${issue.keys.length > 1 ? "them" : "it"}`;
      }
      if (issue.code === "invalid_type" && issue.input === undefined) return `field '${field}' is required`;
      return `field '${field}': ${issue.message}`;
    })
    .join("; ");
}
