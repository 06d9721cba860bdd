import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildChildEnv } from "../../../src/exec/env.js";
import { runProcess } from "../../../src/exec/runner.js";
import { alive, eventually } from "../../helpers/wait.js";

const node = process.execPath;
const base = { cwd: process.cwd(), env: { PATH: process.env.PATH ?? "" }, timeoutMs: 10_000, outputCapBytes: 1_000_000 };

describe("runner", () => {
  it("captures exit code, stdout and stderr; argv only", async () => {
    const result = await runProcess({ ...base, file: node, args: ["-e", "console.log(process.argv[1]); console.error('warn'); process.exit(3)", "a b; rm -rf /"] });
    expect(result).toMatchObject({ exitCode: 3, stdout: "a b; rm -rf /\n", stderr: "warn\n", truncated: false, aborted: false });
  });

  it("gives the child no stdin", async () => {
    const result = await runProcess({ ...base, file: node, args: ["-e", "process.stdin.on('data',()=>{}).on('end',()=>console.log('eof'))"] });
    expect(result.stdout).toBe("eof\n");
  });

  it("caps output and says so", async () => {
    const result = await runProcess({ ...base, outputCapBytes: 1000, file: node, args: ["-e", "process.stdout.write('x'.repeat(5_000_000))"] });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toBe(true);
  });

  it("stops a child that prints without end as soon as it passes the cap, and says why", async () => {
    const started = Date.now();
    const result = await runProcess({ ...base, outputCapBytes: 1000, timeoutMs: 30_000, file: "/bin/sh", args: ["-c", "exec yes"] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stdout.length).toBe(1000);
    expect(result).toMatchObject({ truncated: true, aborted: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/printed more than 1000 bytes; the process was stopped/);
  });

  it("on timeout, stops the whole process group: a grandchild holding stdout cannot keep the call open", async () => {
    const started = Date.now();
    const result = await runProcess({ ...base, timeoutMs: 500, file: "/bin/sh", args: ["-c", "sleep 60 & echo $!; sleep 61"] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.aborted).toBe(true);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    // SIGKILL is delivered asynchronously: the grandchild is gone moments after the call returns, not
    // at that instant (a grandchild that was never signalled outlives this 5 s wait by 55 s).
    await eventually(async () => expect(alive(grandchild)).toBe(false), 5_000);
  });

  it("after a normal exit, stops what the child left running in the background", async () => {
    const started = Date.now();
    const result = await runProcess({ ...base, file: "/bin/sh", args: ["-c", "sleep 60 & echo $!"] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ exitCode: 0, aborted: false });
    await eventually(async () => expect(alive(Number(result.stdout.trim()))).toBe(false), 5_000);
  });

  it("kills on timeout", async () => {
    const result = await runProcess({ ...base, timeoutMs: 300, file: node, args: ["-e", "setTimeout(()=>{}, 60_000)"] });
    expect(result.aborted).toBe(true);
    expect(result.stderr).toMatch(/timed out/);
  });

  it("kills on cancellation, with SIGKILL for a child that ignores SIGTERM", async () => {
    const controller = new AbortController();
    const ready = join(mkdtempSync(join(tmpdir(), "talos-mcp-runner-")), "ready");
    const running = runProcess({
      ...base,
      signal: controller.signal,
      file: node,
      args: ["-e", `process.on('SIGTERM',()=>{}); console.log(process.pid); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(()=>{}, 1000)`],
    });
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const result = await running;
    expect(result.aborted).toBe(true);
    const pid = Number(result.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it("reports a missing binary as exit 127", async () => {
    const result = await runProcess({ ...base, file: "/nonexistent/talosctl", args: [] });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toMatch(/not found/);
  });

  it("passes exactly the environment it is given", async () => {
    const env = buildChildEnv({ PATH: "/usr/bin:/bin", HOME: "/h", TAG: "latest", AWS_SECRET_ACCESS_KEY: "x", OMNI_SERVICE_ACCOUNT_KEY: "k", LC_ALL: "C", HTTPS_PROXY: "http://p" }, { EXTRA: "1" });
    expect(env).toEqual({ PATH: "/usr/bin:/bin", HOME: "/h", LC_ALL: "C", HTTPS_PROXY: "http://p", BROWSER: "echo", NO_COLOR: "1", EXTRA: "1" });
    const result = await runProcess({ ...base, env: { ...env, PATH: process.env.PATH ?? "" }, file: node, args: ["-e", "console.log(Object.keys(process.env).sort().join(','))"] });
    expect(result.stdout.trim()).toBe("BROWSER,EXTRA,HOME,HTTPS_PROXY,LC_ALL,NO_COLOR,PATH");
  });
});
