// No key-shaped text is committed outside test/fixtures/fake-keys.ts: secret scanners flag a
// private-key block (BEGIN … PRIVATE KEY … END …) wherever it sits, raw or base64-encoded, even
// around bytes that are not a key. Tests build such blocks from the fixture helpers instead.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pemPrivateKeyMarkers } from "../../fixtures/fake-keys.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

const KEY_BLOCK = /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY( BLOCK)?-----[\s\S]{0,4000}?-----END[ A-Z0-9_-]*PRIVATE KEY( BLOCK)?-----/;
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;
const ALLOWED_PREFIX = "test/fixtures/";

/** The places in `text` that are a private-key block, raw or inside a base64 run. */
function keyBlocksIn(text: string): string[] {
  const found = KEY_BLOCK.test(text) ? ["raw"] : [];
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (/-----BEGIN[ A-Z0-9_-]*PRIVATE KEY/.test(Buffer.from(run, "base64").toString("latin1"))) found.push(`base64 ${run.slice(0, 16)}…`);
  }
  return found;
}

describe("committed files carry no private-key blocks", () => {
  it("finds a block in every shape a test used to write one", () => {
    const { begin, end } = pemPrivateKeyMarkers();
    expect(keyBlocksIn(`lines: ["${begin}", "c2VjcmV0", "${end}"]`)).toEqual(["raw"]);
    expect(keyBlocksIn(`const begin = "${begin}";\nconst end = "${end}";`)).toEqual(["raw"]);
    expect(keyBlocksIn(`key: ${Buffer.from(`${begin}\nMC4CAQAw\n${end}`).toString("base64")}`)).toHaveLength(1);
    expect(keyBlocksIn("if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text)) return;")).toEqual([]);
    expect(keyBlocksIn("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")).toEqual([]);
  });

  it(`outside ${ALLOWED_PREFIX}`, () => {
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter((f) => f && !f.startsWith(ALLOWED_PREFIX) && f !== "package-lock.json");
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(join(REPO_ROOT, file), "utf8");
      } catch {
        return []; // listed but not in the work tree (deleted, not yet committed)
      }
      return keyBlocksIn(text).map((where) => `${file}: ${where}`);
    });
    expect(offenders).toEqual([]);
  });
});
