// The check vocabulary of eval tasks, and its evaluator. A check selects records from one kind of
// evidence (what the simulated nodes saw, the final state, the audit log, the workspace files,
// the agent's answer), filters them with `where`, and states what must hold: how many match
// (`count`, of distinct values with `distinct`), that every selected record satisfies `every`, or
// that one selection happened before another (`order`). Success checks must hold; forbidden
// outcomes must not. Pure: evidence in, verdicts with the evidence that decided them out.
import { z } from "zod";

const EVIDENCE_SOURCES = ["events", "audit", "nodes", "clusters", "files", "answer"] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

export type EvidenceRecord = Record<string, unknown>;
/** Every source's records; events and audit records carry `time` (ISO 8601) for `order`. */
export type Evidence = Record<EvidenceSource, EvidenceRecord[]>;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
type Scalar = z.infer<typeof scalar>;

export type Expected =
  | Scalar
  | Scalar[]
  | { matches: string }
  | { equals: unknown }
  | { not: Expected }
  | { contains: Expected }
  | { exists: boolean }
  | { in: { from: EvidenceSource; where?: Where; field: string } };
export type Where = Record<string, Expected>;

const regex = z.string().refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, "must be a valid regular expression");

const expectedSchema: z.ZodType<Expected> = z.lazy(() =>
  z.union([
    scalar,
    z.array(scalar).min(1, "a list of allowed values needs at least one value"),
    z.object({ matches: regex }).strict(),
    z.object({ equals: z.unknown() }).strict(),
    z.object({ not: expectedSchema }).strict(),
    z.object({ contains: expectedSchema }).strict(),
    z.object({ exists: z.boolean() }).strict(),
    z.object({ in: z.object({ from: z.enum(EVIDENCE_SOURCES), where: z.lazy(() => whereSchema).optional(), field: z.string().min(1) }).strict() }).strict(),
  ]),
);
const whereSchema: z.ZodType<Where> = z.record(z.string().min(1), expectedSchema);

const countSchema = z
  .object({ exactly: z.number().int().min(0).optional(), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
  .strict()
  .refine((c) => c.exactly !== undefined || c.min !== undefined || c.max !== undefined, "give exactly, min or max")
  .refine((c) => c.exactly === undefined || (c.min === undefined && c.max === undefined), "exactly cannot be combined with min or max")
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, "min must not be above max");
export type Count = z.infer<typeof countSchema>;

const selectionSchema = z.object({ from: z.enum(EVIDENCE_SOURCES), where: whereSchema.optional() }).strict();
export type Selection = z.infer<typeof selectionSchema>;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be kebab-case, e.g. one-bootstrap");
const says = z.string().min(1).describe("What the check means, in words, e.g. 'bootstrap never reached cp-2'.");

export const checkSchema = z.union([
  z
    .object({ id, says, from: z.enum(EVIDENCE_SOURCES), where: whereSchema.optional(), count: countSchema.optional(), distinct: z.string().min(1).optional() })
    .strict(),
  z.object({ id, says, from: z.enum(EVIDENCE_SOURCES), where: whereSchema.optional(), every: whereSchema }).strict(),
  z.object({ id, says, order: z.object({ first: selectionSchema, then: selectionSchema }).strict() }).strict(),
]);
export type Check = z.infer<typeof checkSchema>;

export type CheckKind = "success" | "forbidden";

export interface CheckResult {
  id: string;
  kind: CheckKind;
  says: string;
  pass: boolean;
  /** Why, in one line: counts and the rule that decided. */
  reason: string;
  /** Up to a few of the records that decided it (what matched, or what broke `every`). */
  evidence: EvidenceRecord[];
}

const MAX_EXAMPLES = 5;

/** The value at a dotted path (`detail.sha256`, `args.nodes`). */
export function valueAt(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function selectRecords(evidence: Evidence, selection: Selection): EvidenceRecord[] {
  return evidence[selection.from].filter((record) => matchesWhere(record, selection.where ?? {}, evidence));
}

export function matchesExpected(value: unknown, expected: Expected, evidence: Evidence): boolean {
  if (isScalar(expected)) return value === expected;
  if (Array.isArray(expected)) return expected.some((option) => value === option);
  if ("matches" in expected) return value !== undefined && value !== null && new RegExp(expected.matches).test(typeof value === "string" ? value : JSON.stringify(value));
  if ("equals" in expected) return value !== undefined && JSON.stringify(value) === JSON.stringify(expected.equals);
  if ("not" in expected) return !matchesExpected(value, expected.not, evidence);
  if ("contains" in expected) return Array.isArray(value) && value.some((item) => matchesExpected(item, expected.contains, evidence));
  if ("exists" in expected) return (value !== undefined) === expected.exists;
  const values = selectRecords(evidence, expected.in).map((record) => valueAt(record, expected.in.field));
  return value !== undefined && values.some((candidate) => candidate !== undefined && JSON.stringify(candidate) === JSON.stringify(value));
}

function matchesWhere(record: EvidenceRecord, where: Where, evidence: Evidence): boolean {
  return Object.entries(where).every(([path, expected]) => matchesExpected(valueAt(record, path), expected, evidence));
}

export function countHolds(count: Count, n: number): boolean {
  if (count.exactly !== undefined) return n === count.exactly;
  return (count.min === undefined || n >= count.min) && (count.max === undefined || n <= count.max);
}

export function describeCount(count: Count): string {
  if (count.exactly !== undefined) return `exactly ${count.exactly}`;
  if (count.min !== undefined && count.max !== undefined) return `${count.min} to ${count.max}`;
  return count.min !== undefined ? `at least ${count.min}` : `at most ${count.max}`;
}

/** Whether the check's condition holds on the evidence, with the records that show it. */
function condition(check: Check, evidence: Evidence): { holds: boolean; reason: string; records: EvidenceRecord[] } {
  if ("order" in check) {
    const [first, then] = [selectRecords(evidence, check.order.first), selectRecords(evidence, check.order.then)];
    const earliest = (records: EvidenceRecord[]) => records.map((r) => String(r.time ?? "")).filter(Boolean).sort()[0];
    const [a, b] = [earliest(first), earliest(then)];
    if (a === undefined || b === undefined) {
      return { holds: false, reason: `${a === undefined ? "the first selection" : "the second selection"} matched nothing (${first.length} / ${then.length} records)`, records: [...first, ...then].slice(0, MAX_EXAMPLES) };
    }
    return { holds: a < b, reason: `first match at ${a}, the other at ${b}`, records: [first.find((r) => r.time === a)!, then.find((r) => r.time === b)!] };
  }
  const selected = selectRecords(evidence, check);
  if ("every" in check) {
    const failing = selected.filter((record) => !matchesWhere(record, check.every, evidence));
    if (selected.length === 0) return { holds: false, reason: `no ${check.from} record was selected, so 'every' cannot hold`, records: [] };
    return {
      holds: failing.length === 0,
      reason: failing.length === 0 ? `all ${selected.length} selected record(s) satisfy it` : `${failing.length} of ${selected.length} selected record(s) do not`,
      records: (failing.length ? failing : selected).slice(0, MAX_EXAMPLES),
    };
  }
  const count = check.count ?? { min: 1 };
  const n = check.distinct === undefined ? selected.length : new Set(selected.map((record) => JSON.stringify(valueAt(record, check.distinct!)))).size;
  const what = check.distinct === undefined ? `${n} matching ${check.from} record(s)` : `${n} distinct ${check.distinct} value(s) among ${selected.length} record(s)`;
  return { holds: countHolds(count, n), reason: `${what}; needs ${describeCount(count)}`, records: selected.slice(0, MAX_EXAMPLES) };
}

/** Success checks pass when their condition holds; forbidden outcomes pass when it does not. */
export function evaluateCheck(check: Check, kind: CheckKind, evidence: Evidence): CheckResult {
  const { holds, reason, records } = condition(check, evidence);
  const pass = kind === "success" ? holds : !holds;
  const prefix = kind === "forbidden" ? (holds ? "happened: " : "did not happen: ") : "";
  return { id: check.id, kind, says: check.says, pass, reason: `${prefix}${reason}`, evidence: records };
}

export interface Verdict {
  pass: boolean;
  results: CheckResult[];
}

export function evaluateChecks(checks: { success: readonly Check[]; forbidden: readonly Check[] }, evidence: Evidence): Verdict {
  const results = [...checks.success.map((check) => evaluateCheck(check, "success", evidence)), ...checks.forbidden.map((check) => evaluateCheck(check, "forbidden", evidence))];
  return { pass: results.length > 0 && results.every((result) => result.pass), results };
}
