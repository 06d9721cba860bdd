// What a person with a client that cannot ask (no elicitation) gets from the built server over
// stdio, against the simulator: the plan with a link to the loopback approval page and the
// terminal command; the agent's own retry runs nothing; `talos-mcp approve` in another process
// lets exactly that call run.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })),
  );

describe("stdio without elicitation, on the simulator", () => {
  let server: StdioServer;
  beforeAll(async () => {
    server = await startStdioServer({ args: ["--sim", "running-3cp-2w"] });
  });
  afterAll(() => server?.close());

  it("a mutation waits for a person: page link and terminal command; approved in a terminal, the same call runs once", async () => {
    const { client } = server;
    const nodes = await client.readResource({ uri: "talos://sim/nodes" }).then((r) => JSON.parse((r.contents[0] as { text: string }).text) as { address: string; role: string }[]);
    const node = nodes.find((n) => n.role === "worker")!.address;
    const args = { nodes: [node], image: "ghcr.io/siderolabs/installer:v1.12.7" };
    const first = await client.callTool({ name: "upgrade", arguments: args });
    const verdict = first._meta?.["io.github.talos-mcp/verdict"] as { planId: string; approvalUrl: string; approveCommand: string };
    expect(resultText(first)).toMatch(/needs a person's approval/);
    expect(verdict.approveCommand).toBe(`talos-mcp approve ${verdict.planId} --state-dir ${server.stateDir}`);
    const page = await fetch(verdict.approvalUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Upgrade ${node} to v1.12.7`);
    const retry = await client.callTool({ name: "upgrade", arguments: { ...args, planId: verdict.planId } });
    expect(resultText(retry)).toMatch(/awaiting approval|needs a person's approval/);
    const approved = await run(["approve", verdict.planId, "--state-dir", server.stateDir]);
    expect(approved.code, approved.stderr).toBe(0);
    const done = await client.callTool({ name: "upgrade", arguments: { ...args, planId: verdict.planId } });
    expect(done.isError, resultText(done)).toBeFalsy();
    expect(resultText(await client.callTool({ name: "upgrade", arguments: { ...args, planId: verdict.planId } }))).toMatch(/already used/);
    const audit = server.audit().filter((line) => line.tool === "upgrade");
    expect(audit.map((line) => line.decision)).toEqual(["consent-refused", "consent-refused", "allowed", "consent-refused"]);
    expect(audit[2]!.message).toMatch(new RegExp(`consent: person by terminal \\(.+\\) ${verdict.planId}`));
  });
});
