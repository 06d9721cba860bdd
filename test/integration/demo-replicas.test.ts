// `npm run demo:replicas` (issue 18): two replicas race a bootstrap through one Kubernetes API;
// its last line is one JSON object pointing at the simulator's event record.
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/stdio-server.js";

describe("npm run demo:replicas", () => {
  it("races a bootstrap through two replicas: one Bootstrap in the event record, one bootstrap-once", async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(REPO_ROOT, "scripts/demo-replicas.mjs")], { timeout: 240_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const last = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { eventsFile: string; replicas: string[]; bootstrapCalls: number; results: { isError: boolean; text: string }[]; leases: { holder: string | null }[] };
    expect(last.replicas).toEqual(["replica-a", "replica-b"]);
    const events = readFileSync(last.eventsFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { kind: string; method?: string });
    expect(events.filter((e) => e.kind === "api-call" && e.method === "/machine.MachineService/Bootstrap")).toHaveLength(1);
    expect(last.bootstrapCalls).toBe(1);
    expect(last.results.filter((r) => r.isError).map((r) => r.text)).toEqual([expect.stringMatching(/^Denied by rule bootstrap-once/)]);
    // The lock was released after the calls.
    expect(last.leases.every((lease) => lease.holder === null)).toBe(true);
    rmSync(dirname(last.eventsFile), { recursive: true, force: true });
  }, 300_000);
});
