// The secrets scan: runs after every other test (its own project, sequence.groupOrder 1), over
// what the whole suite recorded (test/setup/record-outputs.ts): key material from every file the
// suite's tests left under the run's temp tree (secrets bundles, talosconfigs, kubeconfigs,
// machine configs, Omni service-account keys, PEM keys) and the bearer tokens clients presented;
// haystacks are every result, server request and notification, server stderr line, and every
// audit log written. None of the material may show up in any of them.
import { lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { extractKeyMaterial, findLeaks } from "../helpers/secret-scan.js";
import { runDir } from "../helpers/test-run.js";
import { SCAN_PASSED, SCAN_STARTED } from "../setup/test-run-global.js";

const MAX_FILE = 2 * 1024 * 1024;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

function* jsonLines(dir: string): Generator<Record<string, string>> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) for (const line of readFileSync(join(dir, name), "utf8").split("\n")) if (line) yield JSON.parse(line);
}

it("no key material the suite generated shows up in any result, stderr line, log or audit line", () => {
  const run = runDir();
  expect(run, "the run directory of test/setup/test-run-global.ts").toBeDefined();
  writeFileSync(join(run!, SCAN_STARTED), "");
  const secrets = new Set<string>();
  const haystacks: { source: string; text: string }[] = [];
  for (const path of files(join(run!, "tmp"))) {
    const stat = lstatSync(path);
    if (stat.size > MAX_FILE) continue;
    const text = readFileSync(path, "utf8");
    if (text.slice(0, 4096).includes("\u0000")) continue;
    for (const secret of extractKeyMaterial(text)) secrets.add(secret);
    if (/audit[^/]*\.jsonl/.test(path)) haystacks.push({ source: path, text });
  }
  for (const { secret } of jsonLines(join(run!, "material"))) secrets.add(secret!);
  for (const { source, text } of jsonLines(join(run!, "outputs"))) haystacks.push({ source: source!, text: text! });

  // The scan saw the suite's work: many keys, many outputs (a scan of nothing proves nothing).
  expect(secrets.size).toBeGreaterThan(20);
  expect(haystacks.length).toBeGreaterThan(100);
  expect(findLeaks(secrets, haystacks)).toEqual([]);
  writeFileSync(join(run!, SCAN_PASSED), "");
});
