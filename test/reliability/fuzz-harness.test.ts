// The fuzz harness's outside checks can fail: a read of the canary, a write next to the
// workspace, and a child the audit line does not show are each caught.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createWorld } from "./fuzz/harness.js";

it("catches a canary read, a stray write and an unaudited child", async () => {
  const world = await createWorld();
  try {
    world.assertOutsideUntouched();
    readFileSync(join(world.canary, "secret.yaml"));
    expect(() => world.assertOutsideUntouched()).toThrow(/canary secret\.yaml was read/);
  } finally {
    await world.close();
  }
  const second = await createWorld();
  try {
    writeFileSync(join(second.root, "stray"), "x");
    expect(() => second.assertOutsideUntouched()).toThrow(/something was created next to the workspace/);
    // A child the server did not start (so no audit line shows it) is reported on the next call.
    writeFileSync(join(second.root, "recordings", "talosctl", "call.1"), [second.workspace, "2", "version", "--short", ""].join("\0"));
    await expect(second.call("policy-check", { text: "talosctl version" })).rejects.toThrow(/a child ran that the audit line does not show/);
  } finally {
    await second.close();
  }
}, 240_000);
