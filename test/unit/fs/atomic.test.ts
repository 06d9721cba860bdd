import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publishOnce, SCRATCH_PARENT, sha256File, sweepStaleTemps, writeFileAtomic } from "../../../src/fs/atomic.js";

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

describe("publishOnce", () => {
  it("the first of several writers publishes, the rest get false, the file is never replaced and no temp stays", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-once-"));
    const file = join(dir, "nested/plan-x.redeemed");
    const results = await Promise.all(["a", "b", "c", "d"].map((body) => publishOnce(file, body)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe(["a", "b", "c", "d"][results.indexOf(true)]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "nested")).mode & 0o777).toBe(0o700);
    expect(await publishOnce(file, "late")).toBe(false);
    expect(readdirSync(join(dir, "nested"))).toEqual(["plan-x.redeemed"]);
  });

  it("publishes bytes, and a failed write leaves neither the file nor a temp", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-once-"));
    expect(await publishOnce(join(dir, "key"), new Uint8Array([0, 255, 7]))).toBe(true);
    expect([...readFileSync(join(dir, "key"))]).toEqual([0, 255, 7]);
    await expect(publishOnce(join(dir, "broken"), 12345 as unknown as string)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["key"]);
  });
});

describe("sweepStaleTemps", () => {
  // A pid that surely belongs to no running process: a child that has exited and been reaped.
  const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
  const livePid = process.ppid;

  function tree() {
    const root = mkdtempSync(join(tmpdir(), "talos-mcp-sweep-"));
    const put = (rel: string, body = "x") => {
      mkdirSync(join(root, rel, ".."), { recursive: true });
      writeFileSync(join(root, rel), body);
    };
    return { root, put };
  }

  it("removes temp files and scratch directories of writers that are gone, at any depth", async () => {
    const { root, put } = tree();
    put(`.secrets.yaml.${deadPid}.0123456789ab.tmp`);
    put(`demo/.controlplane.yaml.${deadPid}.abcdef012345.tmp`);
    put(`a/b/c/d/.kubeconfig.${process.pid}.abcdef012345.tmp`);
    put(`${SCRATCH_PARENT}/call-${deadPid}-Xy12ab/secrets.yaml`);
    put(`${SCRATCH_PARENT}/call-${process.pid}-Qq34cd/etcd.snapshot`);
    const removed = await sweepStaleTemps([root]);
    expect(removed).toHaveLength(5);
    expect(readdirSync(root).sort()).toEqual([SCRATCH_PARENT, "a", "demo"]);
    expect(readdirSync(join(root, "demo"))).toEqual([]);
    expect(readdirSync(join(root, SCRATCH_PARENT))).toEqual([]);
  });

  it("keeps what a running writer owns, what is not ours, and never follows a symlink out", async () => {
    const { root, put } = tree();
    const outside = tree();
    outside.put(`.victim.yaml.${deadPid}.0123456789ab.tmp`);
    symlinkSync(outside.root, join(root, "escape"));
    const kept = [
      `.secrets.yaml.${livePid}.0123456789ab.tmp`,
      `${SCRATCH_PARENT}/call-${livePid}-Ab12cd/x`,
      `.secrets.yaml.0123456789ab.tmp`,
      `secrets.yaml.${deadPid}.0123456789ab.tmp`,
      `.secrets.yaml.${deadPid}.0123456789AB.tmp`,
      `.secrets.yaml.${deadPid}.0123456789ab.tmp.bak`,
      `demo/call-${deadPid}-Ab12cd/x`,
      `notes.tmp`,
    ];
    for (const rel of kept) put(rel);
    expect(await sweepStaleTemps([root])).toEqual([]);
    for (const rel of kept) expect(readFileSync(join(root, rel), "utf8"), rel).toBe("x");
    expect(readdirSync(outside.root)).toEqual([`.victim.yaml.${deadPid}.0123456789ab.tmp`]);
  });

  it("stops at the depth limit and ignores a root that does not exist", async () => {
    const { root, put } = tree();
    put(`1/2/3/.deep.${deadPid}.0123456789ab.tmp`);
    expect(await sweepStaleTemps([root], 2)).toEqual([]);
    expect(await sweepStaleTemps([root], 3)).toHaveLength(1);
    expect(await sweepStaleTemps([join(root, "missing")])).toEqual([]);
  });
});
