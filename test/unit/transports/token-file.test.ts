import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grantOf, hashToken, TokenFile } from "../../../src/transports/tokens.js";

const line = (name: string, secret: string, role = "reader", extra = "") => `  - { name: ${name}, token: "sha256:${hashToken(secret).toString("hex")}", role: ${role}${extra} }`;

function file(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "talos-mcp-tokens-")), "tokens.yaml");
  writeFileSync(path, ["tokens:", ...lines].join("\n"));
  return path;
}

function replace(path: string, lines: string[]): void {
  writeFileSync(`${path}.tmp`, ["tokens:", ...lines].join("\n"));
  renameSync(`${path}.tmp`, path);
}

describe("the tokens file", () => {
  it("is re-read when it changes, and only then", () => {
    const path = file([line("a", "secret-a")]);
    const tokens = new TokenFile(path);
    expect(tokens.entries().map((e) => e.name)).toEqual(["a"]);
    expect(tokens.refresh()).toBe(false);
    replace(path, [line("a", "secret-a"), line("b", "secret-b")]);
    expect(tokens.refresh()).toBe(true);
    expect(tokens.entries().map((e) => e.name)).toEqual(["a", "b"]);
    expect(tokens.refresh()).toBe(false);
  });

  it("fails start-up when invalid, and fails closed (no token) when it becomes invalid or disappears", () => {
    expect(() => new TokenFile(file(["  - { name: x }"]))).toThrow(/tokens\.0\.token/);
    const path = file([line("a", "secret-a")]);
    const problems: string[] = [];
    const tokens = new TokenFile(path, (message) => problems.push(message));
    writeFileSync(path, "tokens: [ {name: broken");
    expect(tokens.refresh()).toBe(true);
    expect(tokens.entries()).toEqual([]);
    expect(problems[0]).toMatch(/every token is refused until the file is fixed/);
    replace(path, [line("a", "secret-a")]);
    tokens.refresh();
    expect(tokens.entries().map((e) => e.name)).toEqual(["a"]);
    rmSync(path);
    expect(tokens.refresh()).toBe(true);
    expect(tokens.entries()).toEqual([]);
  });

  it("a grant changes with the token's hash, role, toolsets or expiry, not with its position", () => {
    const grants = (lines: string[]) => new TokenFile(file(lines)).entries().map(grantOf);
    const [base] = grants([line("a", "s1")]);
    expect(grants([line("z", "s9"), line("a", "s1")])[1]).toBe(base);
    for (const changed of [line("a", "s2"), line("a", "s1", "admin"), line("a", "s1", "reader", ", toolsets: [docs]"), line("a", "s1", "reader", ", expires: 2030-01-01")]) {
      expect(grants([changed])[0], changed).not.toBe(base);
    }
  });
});
