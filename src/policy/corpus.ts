// The policy-check corpus (test/fixtures/policy-corpus): operator text labelled with the rule ids a
// correct grader reports. Loaded and scored here so the test that keeps the grader at 100% and the
// benchmark that publishes its precision and recall count the same way.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { RULE_IDS, type RuleId } from "./rule-ids.js";

const caseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a kebab-case id"),
    from: z.string().min(1, "must say where the case comes from"),
    text: z.string().min(1, "must not be empty"),
    rules: z.array(z.enum(RULE_IDS)).min(1, "a violation names at least one rule id").optional(),
  })
  .strict();
const fileSchema = z.object({ cases: z.array(caseSchema).min(1) }).strict();

export interface CorpusCase {
  id: string;
  from: string;
  text: string;
  /** Rule ids a correct grader reports; empty for correct text. */
  expected: RuleId[];
}

function loadFile(file: string, kind: "violation" | "correct"): CorpusCase[] {
  const parsed = fileSchema.safeParse(parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data.cases.map((c) => {
    if (kind === "violation" && !c.rules) throw new Error(`${file}: case ${c.id} needs rules (the rule ids it breaks)`);
    if (kind === "correct" && c.rules) throw new Error(`${file}: case ${c.id} is correct text and must not list rules`);
    return { id: c.id, from: c.from, text: c.text, expected: [...new Set(c.rules ?? [])].sort() };
  });
}

export function loadCorpus(dir: string): { violations: CorpusCase[]; correct: CorpusCase[] } {
  const violations = loadFile(join(dir, "violations.yaml"), "violation");
  const correct = loadFile(join(dir, "correct.yaml"), "correct");
  const seen = new Set<string>();
  for (const c of [...violations, ...correct]) {
    if (seen.has(c.id)) throw new Error(`${dir}: case id ${c.id} is used twice`);
    seen.add(c.id);
  }
  return { violations, correct };
}

export interface CaseOutcome {
  id: string;
  expected: RuleId[];
  reported: RuleId[];
  exact: boolean;
}

interface Counts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface CorpusScore {
  cases: { violations: number; correct: number };
  /** Over (case, rule id) pairs: a reported id the case does not expect is a false positive. */
  precision: number;
  /** Over (case, rule id) pairs: an expected id the grader did not report is a false negative. */
  recall: number;
  /** Violations reported with exactly their rule ids; correct cases reported clean. */
  exactViolations: number;
  cleanCorrect: number;
  perRule: Record<string, Counts & { precision: number; recall: number }>;
  /** Every case whose reported ids differ from the expected ones. */
  misses: CaseOutcome[];
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : +(part / whole).toFixed(4));

/** Scores a grader (text → reported rule ids) on the corpus. */
export function scoreCorpus(corpus: { violations: CorpusCase[]; correct: CorpusCase[] }, grade: (text: string) => readonly RuleId[]): CorpusScore {
  const perRule = new Map<RuleId, Counts>();
  const count = (rule: RuleId) => {
    let counts = perRule.get(rule);
    if (!counts) perRule.set(rule, (counts = { truePositives: 0, falsePositives: 0, falseNegatives: 0 }));
    return counts;
  };
  const outcomes: CaseOutcome[] = [];
  for (const c of [...corpus.violations, ...corpus.correct]) {
    const reported = [...new Set(grade(c.text))].sort();
    for (const rule of reported) {
      if (c.expected.includes(rule)) count(rule).truePositives += 1;
      else count(rule).falsePositives += 1;
    }
    for (const rule of c.expected) if (!reported.includes(rule)) count(rule).falseNegatives += 1;
    outcomes.push({ id: c.id, expected: c.expected, reported, exact: reported.join() === c.expected.join() });
  }
  const total = [...perRule.values()].reduce((sum, c) => ({ truePositives: sum.truePositives + c.truePositives, falsePositives: sum.falsePositives + c.falsePositives, falseNegatives: sum.falseNegatives + c.falseNegatives }), { truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  const violationIds = new Set(corpus.violations.map((c) => c.id));
  return {
    cases: { violations: corpus.violations.length, correct: corpus.correct.length },
    precision: ratio(total.truePositives, total.truePositives + total.falsePositives),
    recall: ratio(total.truePositives, total.truePositives + total.falseNegatives),
    exactViolations: outcomes.filter((o) => violationIds.has(o.id) && o.exact).length,
    cleanCorrect: outcomes.filter((o) => !violationIds.has(o.id) && o.exact).length,
    perRule: Object.fromEntries(
      [...perRule.entries()]
        .sort(([a], [b]) => RULE_IDS.indexOf(a) - RULE_IDS.indexOf(b))
        .map(([rule, c]) => [rule, { ...c, precision: ratio(c.truePositives, c.truePositives + c.falsePositives), recall: ratio(c.truePositives, c.truePositives + c.falseNegatives) }]),
    ),
    misses: outcomes.filter((o) => !o.exact),
  };
}
