// A mutation whose cluster lock is lost mid-call: the call stops, and its result says that the lock
// was lost and why — not the message of whatever step the stop interrupted (a talosctl read that
// reports "context canceled" would send a person looking at the node instead of the lock).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ToolError } from "../../../src/server/errors.js";
import { defineTool } from "../../../src/server/tool-spec.js";
import type { HeldLock, StateBackend } from "../../../src/state/backend.js";
import { fileStateBackend } from "../../../src/state/open.js";
import { configFor, session, text } from "../../helpers/session.js";

/** The file backend, except that each lock it hands out can be lost on demand. */
function losableLocks(base: StateBackend) {
  const losers: AbortController[] = [];
  const backend: StateBackend = Object.assign(Object.create(base) as StateBackend, {
    async lock(scope: string, request: Parameters<StateBackend["lock"]>[1]): Promise<HeldLock> {
      const held = await base.lock(scope, request);
      const lost = new AbortController();
      losers.push(lost);
      return { lost: lost.signal, release: () => held.release() };
    },
  });
  return { backend, lose: (reason: string) => losers.at(-1)!.abort(new Error(reason)) };
}

describe("a lost cluster lock", () => {
  it("stops the call and names the lost lock, whatever the interrupted step threw", async () => {
    const config = configFor(mkdtempSync(join(tmpdir(), "talos-mcp-lost-lock-")), ["--consent", "plan"]);
    const { backend, lose } = losableLocks(fileStateBackend(config));
    let started!: () => void;
    const planning = new Promise<void>((resolve) => (started = resolve));
    const tool = defineTool({
      name: "fake-change",
      title: "Fake change",
      description: "changes a node",
      toolset: "lifecycle",
      risk: "mutate",
      minRole: "operator",
      openWorld: false,
      rules: [],
      input: z.object({ node: z.string().describe("node") }).strict(),
      // Reads the node the way a live check does: a stopped CLI run surfaces as a ToolError.
      plan: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => reject(new ToolError("could not read machinetype from n1", { cliMessage: "rpc error: code = Canceled desc = context canceled" })));
          started();
        }),
      run: async () => ({ structured: { changed: true } }),
    });
    const { call, audit } = await session(config, { tools: [tool], state: backend });
    const result = call("fake-change", { node: "n1" });
    await planning;
    lose("the lock could not be renewed for 2 s of its 3 s lease: timeout");
    const done = await result;
    expect(done.isError).toBe(true);
    expect(text(done)).toMatch(/stopped because its cluster lock was lost \(the lock could not be renewed for 2 s of its 3 s lease: timeout\)/);
    expect(audit.recent(10).at(-1)).toMatchObject({ tool: "fake-change", decision: "error", message: expect.stringMatching(/cluster lock was lost/) });
  });
});
