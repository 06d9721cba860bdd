import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindingDigest, canonicalJson, changedFiles, digestFiles, previewDigest } from "../../../src/server/plan-binding.js";

const binding = { caller: "local", tool: "reboot", args: { nodes: ["10.0.0.2"], mode: "default" }, targets: ["10.0.0.2"] };

describe("plan binding", () => {
  it("canonical JSON ignores key order and undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
  });

  it("the digest is the same for equal arguments in any order, and differs for any other caller, tool, argument or target", () => {
    const digest = bindingDigest(binding);
    expect(bindingDigest({ ...binding, args: { mode: "default", nodes: ["10.0.0.2"] } })).toBe(digest);
    expect(bindingDigest({ ...binding, targets: ["10.0.0.2"] })).toBe(digest);
    for (const other of [
      { ...binding, caller: "other" },
      { ...binding, tool: "reset" },
      { ...binding, args: { ...binding.args, mode: "powercycle" } },
      { ...binding, targets: ["10.0.0.3"] },
    ]) {
      expect(bindingDigest(other)).not.toBe(digest);
    }
  });

  it("digests files relative to the workspace, skips directories, marks absent paths", async () => {
    const root = mkdtempSync(join(tmpdir(), "talos-mcp-binding-"));
    mkdirSync(join(root, "demo"));
    writeFileSync(join(root, "demo/cp.yaml"), "machine:\n  type: controlplane\n");
    const digests = await digestFiles(root, [join(root, "demo"), join(root, "demo/cp.yaml"), join(root, "demo/gone.yaml")]);
    expect(digests).toEqual({
      "demo/cp.yaml": `sha256:${createHash("sha256").update("machine:\n  type: controlplane\n").digest("hex")}`,
      "demo/gone.yaml": "absent",
    });
  });

  it("names every file that changed, appeared or disappeared", () => {
    const approved = { "a.yaml": "sha256:1", "b.yaml": "sha256:2", "c.yaml": "absent" };
    expect(changedFiles(approved, { ...approved })).toEqual([]);
    expect(changedFiles(approved, { "a.yaml": "sha256:1", "b.yaml": "sha256:9", "c.yaml": "absent" })).toEqual(["b.yaml"]);
    expect(changedFiles(approved, { "a.yaml": "sha256:1", "b.yaml": "sha256:2", "c.yaml": "sha256:3" })).toEqual(["c.yaml"]);
    expect(changedFiles(approved, { "b.yaml": "sha256:2" })).toEqual(["a.yaml"]);
    expect(changedFiles(approved, { ...approved, "d.yaml": "sha256:4" })).toEqual(["d.yaml"]);
  });

  it("digests previews, and only equal previews match", () => {
    expect(previewDigest(undefined)).toBeUndefined();
    expect(previewDigest("diff a")).toBe(previewDigest("diff a"));
    expect(previewDigest("diff a")).not.toBe(previewDigest("diff b"));
  });
});
