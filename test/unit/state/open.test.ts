// Opening the configured state backend: the file backend by default; a kubernetes config is never
// served from local files by mistake, and without credentials it fails with the fix named.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StateConfig } from "../../../src/config-types.js";
import { FileStateBackend } from "../../../src/state/file-backend.js";
import { fileStateBackend, openStateBackend } from "../../../src/state/open.js";

const stateDir = () => mkdtempSync(join(tmpdir(), "talos-mcp-open-"));
const state = (backend: StateConfig["backend"], more: Partial<StateConfig> = {}): StateConfig => ({ backend, leaseSeconds: 15, lockWaitMs: 1000, ...more });

describe("opening the state backend", () => {
  it("file: the state directory", async () => {
    const dir = stateDir();
    const backend = await openStateBackend({ stateDir: dir, state: state("file") }, {});
    expect(backend).toBeInstanceOf(FileStateBackend);
    expect(backend.where).toBe(dir);
    expect(fileStateBackend({ stateDir: dir, state: state("file") }).kind).toBe("file");
  });

  it("kubernetes is never replaced by local files", () => {
    expect(() => fileStateBackend({ stateDir: stateDir(), state: state("kubernetes") })).toThrow(/the kubernetes state backend must be opened with openStateBackend\(\) and passed in/);
  });

  it("kubernetes without a kubeconfig outside a pod fails, naming the fix", async () => {
    await expect(openStateBackend({ stateDir: stateDir(), state: state("kubernetes") }, {})).rejects.toThrow(/not running in a Kubernetes pod .*: give a kubeconfig/);
    await expect(openStateBackend({ stateDir: stateDir(), state: state("kubernetes", { kubeconfig: "/nonexistent/kubeconfig" }) }, {})).rejects.toThrow(/ENOENT/);
  });
});
