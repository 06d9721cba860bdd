import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { isAlive } from "../../../src/exec/process-alive.js";

describe("isAlive", () => {
  it("a running process is alive; one that exited is not", async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = execa(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
    expect(isAlive(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await child.catch(() => undefined);
    expect(isAlive(child.pid!)).toBe(false);
  });

  it("init (pid 1) is alive whether or not this user may signal it (EPERM counts as alive)", () => {
    expect(isAlive(1)).toBe(true);
  });
});
