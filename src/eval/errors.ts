// Errors an eval command reports as bad input (exit 2, the message names the fix), as opposed to a
// task that fails its checks (exit 1) or a bug (a stack trace), and the one way eval reads its
// YAML inputs (task definitions, scripts): every problem named by its path.
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

export class EvalInputError extends Error {
  override name = "EvalInputError";
}

/**
 * One message per problem, naming its path. For a value that matches none of a union's shapes
 * (a check, an expected value, a setup action, a script step), the problems of the closest shape
 * are named instead of zod's bare "Invalid input".
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      if (closest.length > 0) return describeIssues(closest, path);
    }
    if (issue.code === "unrecognized_keys") return [`${[...path, issue.keys.join(", ")].join(".")}: unknown field`];
    return [`${path.map(String).join(".") || "(root)"}: ${issue.message}`];
  });
}

/** YAML text validated by `schema`; a problem becomes `fail("<source>: <path>: <message>; …")`. */
export function parseYamlInput<T>(schema: z.ZodType<T>, text: string, source: string, fail: (message: string) => EvalInputError): T {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw fail(`${source}: not valid YAML (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fail(`${source}: ${describeIssues(parsed.error.issues).join("; ")}`);
  return parsed.data;
}
