import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256File, writeFileAtomic } from "../../../src/fs/atomic.js";

describe("atomic writes", () => {
  it("writes content with the mode and leaves no temp file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-atomic-"));
    const file = join(dir, "nested/secret.yaml");
    await writeFileAtomic(file, "a: 1\n");
    expect(readFileSync(file, "utf8")).toBe("a: 1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "nested")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "nested"))).toEqual(["secret.yaml"]);
    expect(await sha256File(file)).toBe(createHash("sha256").update("a: 1\n").digest("hex"));
  });

  it("leaves the previous file intact when the write fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-atomic-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "old");
    // A value that cannot be written fails after the temp file exists: the rename never happens.
    await expect(writeFileAtomic(file, 12345 as unknown as string)).rejects.toThrow();
    expect(readFileSync(file, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["config.yaml"]);
  });
});
