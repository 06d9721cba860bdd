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

describe("protected workspace files (rule protected-files)", () => {
  const secrets = "cluster:\n  id: x\nsecrets:\n  bootstraptoken: a.b\ncerts:\n  os:\n    crt: c\n";
  const kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: d\n  cluster:\n    server: https://10.0.0.2:6443\nusers:\n- name: a\n";

  it("resolveOutput refuses, before any work, an output that is never replaced — even renamed", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    writeFileSync(join(ws.root, "secrets.yaml"), secrets);
    writeFileSync(join(ws.root, "renamed.yaml"), secrets);
    for (const output of ["secrets.yaml", "renamed.yaml"]) {
      const error = await ws.resolveOutput(output, "output", true).catch((e: unknown) => e);
      expect(error, output).toBeInstanceOf(PolicyDenied);
      expect((error as PolicyDenied).rule).toBe("protected-files");
      expect((error as PolicyDenied).reason).toBe(`${output} is not replaced: it holds a secrets bundle, which is never replaced`);
    }
  });

  it("writeFile refuses to replace a protected file, leaves it untouched, and still replaces ordinary files and refreshes credentials", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    writeFileSync(join(ws.root, "secrets.yaml"), secrets);
    await expect(ws.writeFile(join(ws.root, "secrets.yaml"), "machine:\n  type: worker\n")).rejects.toMatchObject({ rule: "protected-files" });
    expect(readFileSync(join(ws.root, "secrets.yaml"), "utf8")).toBe(secrets);
    writeFileSync(join(ws.root, "cp.yaml"), "machine:\n  type: controlplane\n");
    await ws.writeFile(join(ws.root, "cp.yaml"), "machine:\n  type: worker\n");
    expect(readFileSync(join(ws.root, "cp.yaml"), "utf8")).toBe("machine:\n  type: worker\n");
    writeFileSync(join(ws.root, "kubeconfig"), kubeconfig);
    await ws.writeFile(join(ws.root, "kubeconfig"), `${kubeconfig}current-context: d\n`);
    await expect(ws.writeFile(join(ws.root, "kubeconfig"), kubeconfig.replace("10.0.0.2", "10.9.9.9"))).rejects.toMatchObject({ rule: "protected-files" });
  });
});

describe("writing several files", () => {
  it("checks every replacement before writing any: one refusal leaves all of them as they were", async () => {
    const ws = await openWorkspace(join(mkdtempSync(join(tmpdir(), "ws-")), "ws"));
    const talosconfig = (ca: string) => `context: demo\ncontexts:\n  demo:\n    endpoints: [10.0.0.2]\n    ca: ${ca}\n    crt: c\n    key: k\n`;
    writeFileSync(join(ws.root, "controlplane.yaml"), "machine:\n  type: controlplane\n");
    writeFileSync(join(ws.root, "talosconfig"), talosconfig("OLD"));
    const files = [
      { path: join(ws.root, "controlplane.yaml"), data: "machine:\n  type: worker\n" },
      { path: join(ws.root, "talosconfig"), data: talosconfig("NEW") },
    ];
    await expect(ws.writeFiles(files)).rejects.toMatchObject({ rule: "protected-files", reason: expect.stringMatching(/^talosconfig is not replaced: it holds a talosconfig, and replacing it with a talosconfig of another cluster/) });
    expect(readFileSync(join(ws.root, "controlplane.yaml"), "utf8")).toBe("machine:\n  type: controlplane\n");
    await ws.writeFiles([files[0]!, { path: join(ws.root, "talosconfig"), data: talosconfig("OLD").replace("10.0.0.2", "10.0.0.3") }]);
    expect(readFileSync(join(ws.root, "controlplane.yaml"), "utf8")).toBe("machine:\n  type: worker\n");
    expect(statSync(join(ws.root, "talosconfig")).mode & 0o777).toBe(0o600);
  });
});
