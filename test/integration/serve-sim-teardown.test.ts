// `talos-mcp serve --sim SCENARIO` is the unit a harness starts per run: when it stops — stdin
// closed, or SIGTERM — no process, no listener and no file of the simulation may stay behind.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { portIsFree } from "../../src/sim/loopback.js";
import { CLI } from "../helpers/stdio-server.js";

interface Started {
  simDir: string;
  nodes: { address: string }[];
  exited: Promise<number | null>;
  child: ReturnType<typeof spawn>;
}

/** Starts the built server in --sim mode and waits for its "simulated cluster started" log line. */
async function startServeSim(): Promise<Started> {
  const root = mkdtempSync(join(tmpdir(), "talos-mcp-serve-sim-"));
  const child = spawn(process.execPath, [CLI, "serve", "--sim", "running-3cp-2w", "--workspace", join(root, "ws"), "--state-dir", join(root, "state"), "--log-level", "info"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started = await new Promise<{ talosconfig: string; nodes: { address: string }[] }>((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of stderr.split("\n")) {
        if (!line.includes("simulated cluster started")) continue;
        resolve(JSON.parse(line) as { talosconfig: string; nodes: { address: string }[] });
      }
    });
    void exited.then(() => reject(new Error(`serve --sim exited before starting: ${stderr}`)));
  });
  return { simDir: dirname(started.talosconfig), nodes: started.nodes, exited, child };
}

async function expectNothingLeft(started: Started): Promise<void> {
  expect(await started.exited).toBe(0);
  expect(existsSync(started.simDir), `${started.simDir} should be removed`).toBe(false);
  for (const node of started.nodes) expect(await portIsFree(node.address, 50000)).toBe(true);
}

describe("serve --sim stops cleanly", () => {
  it("when stdin closes (the client went away): the process exits, its temp dir and ports are gone", async () => {
    const started = await startServeSim();
    expect(existsSync(join(started.simDir, "talosconfig"))).toBe(true);
    started.child.stdin!.end();
    await expectNothingLeft(started);
  });

  it("on SIGTERM (a harness stopping the run)", async () => {
    const started = await startServeSim();
    started.child.kill("SIGTERM");
    await expectNothingLeft(started);
  });
});
