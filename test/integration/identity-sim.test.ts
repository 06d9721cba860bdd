// Nodes are identified by what they are, not by the string the model typed: a control plane named
// by its hostname or its second address is the same machine as the one named by its address, so
// it is never counted as a healthy "other" etcd member (quorum-at-risk: one of three members is
// already down). Real talosctl against the simulator, real MCP client.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type SimHandle } from "../../src/sim/index.js";
import { accept, configFor, session, text } from "../helpers/session.js";
import { addressOf, secondAddressOf } from "../helpers/sim.js";

const calls = (sim: SimHandle, method: string) => sim.events().filter((e) => e.kind === "api-call" && e.method === `/machine.MachineService/${method}`);

describe("quorum is judged on machines, whatever name the call uses (quorum-at-risk)", () => {
  let sim: SimHandle;
  let call: Awaited<ReturnType<typeof session>>["call"];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-identity-"));
    sim = await startSimulation({ scenario: "quorum-at-risk", dir: join(dir, "sim") });
    ({ call } = await session(configFor(dir, [], sim.talosconfig), { elicit: accept }));
  });
  afterAll(async () => sim?.stop());

  it.each([
    ["its address", (s: SimHandle) => addressOf(s, "cp-1")],
    ["its hostname", () => "cp-1"],
    ["its second address", (s: SimHandle) => secondAddressOf(s, "cp-1")],
  ])("refuses to reboot a healthy control plane named by %s: the other healthy member alone is no quorum", async (_label, name) => {
    const node = name(sim);
    const refused = await call("reboot", { nodes: [node] });
    expect(text(refused)).toMatch(/Denied by rule quorum: rebooting \S+( \(cp-1\))? would leave 1 healthy etcd member\(s\) of 3; quorum needs 2/);
    expect(calls(sim, "Reboot")).toHaveLength(0);
  });

  it("names the machine in the denial: the node as typed and the host it resolved to", async () => {
    const refused = await call("reboot", { nodes: [secondAddressOf(sim, "cp-3")] });
    expect(text(refused)).toContain(`rebooting ${secondAddressOf(sim, "cp-3")} (cp-3)`);
    expect(text(refused)).toContain(`not healthy: cp-2 [${addressOf(sim, "cp-2")}] (Failed)`);
  });

  it("still lets a worker reboot, named by its hostname", async () => {
    const worker = await call("reboot", { nodes: ["worker-1"] });
    expect(worker.isError, text(worker)).toBeFalsy();
    expect(calls(sim, "Reboot")).toHaveLength(1);
  });
});
