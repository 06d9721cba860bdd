// docs/rules.md is generated from RULES so the published rule table never drifts from the code.
// Regenerate with: UPDATE_RULES_DOC=1 npx vitest run test/unit/policy/rules-doc.test.ts
import { readFile, rename, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RULES, type Rule } from "../../../src/policy/rules.js";

const DOC_PATH = fileURLToPath(new URL("../../../docs/rules.md", import.meta.url));

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function renderRulesDoc(rules: readonly Rule[]): string {
  const header = [
    "# Rules",
    "",
    "<!-- Generated from src/policy/rules.ts by test/unit/policy/rules-doc.test.ts; do not edit by hand.",
    "     Regenerate: npm run docs:rules -->",
    "",
    "Every denial, `policy-check` finding and audit line names one of these rule ids. The same table is",
    "served as JSON at `talos://rules` and one rule at `talos://rules/{id}`.",
    "",
    "| id | rule | source | enforced by | docs |",
    "|---|---|---|---|---|",
  ];
  const rows = rules.map((r) => `| \`${r.id}\` | **${cell(r.title)}**: ${cell(r.summary)} | ${cell(r.source)} | ${cell(r.enforcedBy)} | [docs](${r.docs}) |`);
  const details = rules.flatMap((r) => ["", `## \`${r.id}\` — ${r.title}`, "", r.description, "", `Source: ${r.source}. Enforced by: ${r.enforcedBy}. Docs: <${r.docs}>`]);
  return [...header, ...rows, ...details, ""].join("\n");
}

describe("docs/rules.md", () => {
  it("matches the rule table in src/policy/rules.ts", async () => {
    const rendered = renderRulesDoc(RULES);
    if (process.env.UPDATE_RULES_DOC === "1") {
      const temporary = `${DOC_PATH}.${process.pid}.tmp`;
      await writeFile(temporary, rendered);
      await rename(temporary, DOC_PATH);
    }
    const onDisk = await readFile(DOC_PATH, "utf8").catch(() => "");
    expect(onDisk, "docs/rules.md is stale: run `npm run docs:rules`").toBe(rendered);
  });

  it("lists every rule id with its docs link", () => {
    const rendered = renderRulesDoc(RULES);
    for (const rule of RULES) {
      expect(rendered).toContain(`| \`${rule.id}\` |`);
      expect(rendered).toContain(`[docs](${rule.docs})`);
    }
  });
});
