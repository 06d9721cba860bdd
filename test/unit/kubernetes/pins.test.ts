// The pinned Kubernetes binaries: one file of versions, read by TypeScript and by scripts/build-k8s.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { KUBERNETES_PINS, KUBERNETES_VERSION, kubernetesBinaryPath, requireKubernetesBinary } from "../../../src/backends/kubernetes-binaries.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

describe("Kubernetes pins", () => {
  it("are read from one file by TypeScript and by scripts/build-k8s", () => {
    const file = JSON.parse(readFileSync(join(REPO_ROOT, "src/backends/kubernetes-pins.json"), "utf8"));
    expect(KUBERNETES_PINS).toEqual(file);
    expect(KUBERNETES_VERSION).toBe(file["kube-apiserver"].slice(1));
    const help = execFileSync("bash", [join(REPO_ROOT, "scripts/build-k8s"), "--help"], { encoding: "utf8" });
    for (const [name, version] of Object.entries(file)) expect(help).toContain(`${name} (${version})`);
  });

  it("a binary that is not built names the command that builds it", async () => {
    const env = { TALOS_MCP_CACHE: mkdtempSync(join(tmpdir(), "talos-mcp-pins-")) };
    expect(kubernetesBinaryPath("etcd", env)).toBe(join(env.TALOS_MCP_CACHE, "bin", `etcd-${KUBERNETES_PINS.etcd}`));
    await expect(requireKubernetesBinary("kube-apiserver", env)).rejects.toThrow(/kube-apiserver v\d+\.\d+\.\d+ is not built .*run `bash scripts\/build-k8s`/);
  });

  it("build-k8s without Go, with nothing cached, says how to install Go and what to run then", () => {
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmpdir(), TALOS_MCP_CACHE: mkdtempSync(join(tmpdir(), "talos-mcp-nogo-")) };
    const run = spawnSync("bash", [join(REPO_ROOT, "scripts/build-k8s"), "helm"], { env, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Go is not installed[\s\S]*Install Go >= 1\.25[\s\S]*bash scripts\/build-k8s/);
  });

  it("build-k8s refuses unknown arguments", () => {
    expect(() => execFileSync("bash", [join(REPO_ROOT, "scripts/build-k8s"), "--fast"], { stdio: "pipe" })).toThrow(/unknown argument '--fast'/);
  });
});
