import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyDenied, ToolError } from "../../../src/server/errors.js";
import { openWorkspace } from "../../../src/server/workspace.js";

describe("openWorkspace", () => {
  it("resolveOutput: a new path resolves; an existing one is refused unless overwrite, naming the field and the fix", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    expect(await ws.resolveOutput("omni/new.yaml", "output", false)).toBe(join(ws.root, "omni/new.yaml"));
    writeFileSync(join(ws.root, "taken.yaml"), "x");
    const error = await ws.resolveOutput("taken.yaml", "output", false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("output taken.yaml already exists");
    expect((error as ToolError).details).toMatchObject({ field: "output", next: expect.stringMatching(/overwrite: true/) });
    expect(await ws.resolveOutput("taken.yaml", "output", true)).toBe(join(ws.root, "taken.yaml"));
  });

  it("resolveOutput refuses paths outside the workspace whatever overwrite says", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    await expect(ws.resolveOutput("../escape.yaml", "output", true)).rejects.toBeInstanceOf(PolicyDenied);
  });

  it("writeFile is atomic with mode 0600 and refuses to write outside", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    await ws.writeFile(join(ws.root, "a/b.txt"), "hello");
    expect(readFileSync(join(ws.root, "a/b.txt"), "utf8")).toBe("hello");
    expect(statSync(join(ws.root, "a/b.txt")).mode & 0o777).toBe(0o600);
    await expect(ws.writeFile(join(ws.root, "..", "out.txt"), "x")).rejects.toBeInstanceOf(PolicyDenied);
  });
});
