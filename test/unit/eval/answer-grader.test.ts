// The grader of agents' answers must not pass an answer it could not check: when a pinned CLI's
// command tree cannot be read, "the answer proposes a command that does not exist" cannot be
// decided, and verify says so instead of reporting the answer clean.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { policyFindings } from "../../../src/eval/evidence.js";

describe("policyFindings (the answer grader)", () => {
  const saved = process.env.TALOSCTL;
  afterEach(() => {
    if (saved === undefined) delete process.env.TALOSCTL;
    else process.env.TALOSCTL = saved;
  });

  it("fails, naming the CLI, when talosctl cannot be used — never grades an invented command clean", async () => {
    const notExecutable = join(mkdtempSync(join(tmpdir(), "grader-")), "talosctl");
    writeFileSync(notExecutable, "not a binary", { mode: 0o644 });
    process.env.TALOSCTL = notExecutable;
    await expect(policyFindings("Back up etcd with `talosctl etcd backup db.snapshot`.")).rejects.toThrow(/talosctl/);
  });
});
