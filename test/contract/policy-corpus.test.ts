// The grader on real text: every violation of the corpus (test/fixtures/policy-corpus) must be
// reported with exactly its rule ids and every correct command or explanation must come out clean,
// judged against the command trees of the pinned talosctl and omnictl. A false alarm fails a good
// agent and a miss passes a dangerous one, so both precision and recall stay at 100%.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { cacheDir, discoverBinary } from "../../src/backends/binaries.js";
import type { CommandTreeData } from "../../src/backends/command-tree-types.js";
import { readCommandTree } from "../../src/backends/command-tree.js";
import { loadCorpus, scoreCorpus, type CorpusScore } from "../../src/policy/corpus.js";
import { lintText } from "../../src/policy/text-lint.js";
import type { CliBinary } from "../../src/server/tool-spec.js";

const corpus = loadCorpus(fileURLToPath(new URL("../fixtures/policy-corpus", import.meta.url)));

describe("policy-check on the corpus", () => {
  const trees: Partial<Record<CliBinary, CommandTreeData>> = {};
  let score: CorpusScore;
  beforeAll(async () => {
    for (const binary of ["talosctl", "omnictl"] as const) {
      const info = await discoverBinary(binary);
      if (!info) throw new Error(`${binary} is not built: run npm run clis (expected under ${cacheDir()}/bin)`);
      trees[binary] = await readCommandTree(info, { cacheDir: cacheDir() });
    }
    score = scoreCorpus(corpus, (text) => lintText(text, trees).map((f) => f.rule));
  }, 180_000);

  it("has at least 80 violations and 80 correct cases, covering every rule policy-check judges", () => {
    expect(corpus.violations.length).toBeGreaterThanOrEqual(80);
    expect(corpus.correct.length).toBeGreaterThanOrEqual(80);
    const labelled = new Set(corpus.violations.flatMap((c) => c.expected));
    for (const rule of ["no-ssh", "no-node-file-edits", "no-package-managers", "no-kubeadm", "bootstrap-once", "destructive-explicit", "no-cert-systemd-changes", "omni-reconcile", "real-commands-only"]) {
      expect(labelled, rule).toContain(rule);
    }
  });

  it.each(corpus.violations.map((c) => [c.id, c] as const))("reports violation %s with exactly its rule ids", (_id, c) => {
    expect([...new Set(lintText(c.text, trees).map((f) => f.rule))].sort()).toEqual(c.expected);
  });

  it.each(corpus.correct.map((c) => [c.id, c] as const))("leaves correct case %s clean", (_id, c) => {
    expect(lintText(c.text, trees)).toEqual([]);
  });

  it("keeps precision and recall at 100%", () => {
    expect(score.misses).toEqual([]);
    expect({ precision: score.precision, recall: score.recall }).toEqual({ precision: 1, recall: 1 });
  });
});
