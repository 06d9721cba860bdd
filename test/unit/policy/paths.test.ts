import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveInsideWorkspace } from "../../../src/policy/paths.js";
import { PolicyDenied } from "../../../src/server/errors.js";

const root = realpathSync(mkdtempSync(join(tmpdir(), "talos-mcp-paths-")));
mkdirSync(join(root, "demo/sub"), { recursive: true });
writeFileSync(join(root, "demo/cp.yaml"), "x");
const outside = realpathSync(mkdtempSync(join(tmpdir(), "talos-mcp-outside-")));
symlinkSync(outside, join(root, "escape"));
symlinkSync(join(root, "demo"), join(root, "alias"));
symlinkSync(join(outside, "nope"), join(root, "dangling"));

describe("workspace paths", () => {
  it.each([
    ["demo/cp.yaml", "demo/cp.yaml"],
    ["./demo/../demo/cp.yaml", "demo/cp.yaml"],
    ["demo/new/file.yaml", "demo/new/file.yaml"],
    ["alias/cp.yaml", "demo/cp.yaml"],
    [".", ""],
  ])("allows %s", async (input, expected) => {
    await expect(resolveInsideWorkspace(root, input, "file")).resolves.toBe(expected ? join(root, expected) : root);
  });

  it("allows absolute paths inside the workspace", async () => {
    await expect(resolveInsideWorkspace(root, join(root, "demo/cp.yaml"), "file")).resolves.toBe(join(root, "demo/cp.yaml"));
  });

  it.each([
    ["../x", /outside the workspace/],
    ["demo/../../x", /outside the workspace/],
    ["/etc/passwd", /outside the workspace/],
    [`${root}-sibling/x`, /outside the workspace/],
    ["escape/secrets.yaml", /symbolic link/],
    ["escape", /symbolic link/],
    ["dangling/x", /symbolic link/],
    ["", /empty/],
    ["~/x", /~/],
    ["demo/\0x", /NUL/],
  ])("denies %s", async (input, message) => {
    const error = await resolveInsideWorkspace(root, input, "snapshot").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyDenied);
    expect((error as PolicyDenied).rule).toBe("workspace-paths");
    expect((error as PolicyDenied).reason).toMatch(/^snapshot: /);
    expect((error as PolicyDenied).reason).toMatch(message);
  });
});
