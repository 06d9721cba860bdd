import { describe, expect, it } from "vitest";
import { cliMessage, nextStepFor, requireSuccess } from "../../../src/server/cli-errors.js";
import { ToolError } from "../../../src/server/errors.js";
import type { CliResult } from "../../../src/server/tool-spec.js";

const result = (binary: string, exitCode: number, stderr: string, stdout = ""): CliResult => ({ argv: [binary, "x"], exitCode, stdout, stderr, truncated: false, durationMs: 1, aborted: false });

describe("nextStepFor", () => {
  it.each([
    ["talosctl", "rpc error: code = AlreadyExists desc = etcd data directory is not empty", /already bootstrapped: do not run bootstrap again/],
    ["talosctl", "rpc error: code = PermissionDenied desc = not authorized", /Talos role/],
    ["talosctl", 'error constructing client: rpc error: code = Unavailable desc = connection refused', /Talos API \(port 50000\)/],
    ["talosctl", "x509: certificate signed by unknown authority", /maintenance mode/],
    ["talosctl", "bootstrap is not available yet", /not ready for bootstrap yet/],
    ["talosctl", "time is not in sync yet", /clock/],
    ["talosctl", "bootstrap can only be performed on a control plane node", /control-plane node, not a worker/],
    ["talosctl", "no scheme and port specified", /https:\/\/<host>:<port>/],
    ["omnictl", 'rpc error: code = PermissionDenied desc = failed to validate: insufficient role: "Reader"', /Omni service account's role/],
    ["omnictl", "rpc error: code = PermissionDenied desc = break-glass access is not enabled on this Omni instance", /break-glass access is off/],
    ["omnictl", "gopenpgp: error in reading key ring: openpgp: invalid data", /not a usable PGP key/],
    ["omnictl", "rpc error: code = Unauthenticated desc = invalid signature: unknown public key", /did not accept the service-account key/],
    ["omnictl", "failed to get system version: rpc error: code = Unavailable desc = connection error: connection refused", /Omni is not reachable/],
    ["omnictl", "Please visit this page to authenticate: https://omni.example/authenticate?...", /service-account key/],
    ["omnictl", 'unknown command "frobnicate" for "omnictl"', /cli-help/],
    ["talosctl", "error: file out.yaml already exists, use --force to overwrite", /overwrite: true/],
  ])("%s: %s", (binary, message, next) => {
    expect(nextStepFor(message, binary)).toMatch(next);
  });

  it("a hint for one CLI is not given for the other", () => {
    expect(nextStepFor("rpc error: code = Unavailable desc = connection refused", "omnictl")).not.toMatch(/port 50000/);
    expect(nextStepFor("rpc error: code = Unavailable desc = connection refused", "talosctl")).not.toMatch(/Omni/);
    expect(nextStepFor('insufficient role: "Reader"', "talosctl")).toBeUndefined();
    expect(nextStepFor("etcd data directory is not empty", "omnictl")).toBeUndefined();
    expect(nextStepFor("rpc error: code = PermissionDenied desc = not authorized", "omnictl")).toBeUndefined();
  });

  it("defaults to talosctl and gives nothing for unknown messages", () => {
    expect(nextStepFor("x509: bad")).toMatch(/CA/);
    expect(nextStepFor("something nobody has seen")).toBeUndefined();
  });
});

describe("cliMessage / requireSuccess", () => {
  it("keeps the last lines before cobra's usage text", () => {
    const message = cliMessage(result("talosctl", 1, "Error: unknown flag: --bogus\nUsage:\n  talosctl get [flags]\n\nFlags:\n  -h, --help"));
    expect(message).toBe("Error: unknown flag: --bogus");
  });

  it("returns a successful result unchanged", () => {
    const ok = result("omnictl", 0, "");
    expect(requireSuccess(ok, "omnictl get")).toBe(ok);
  });

  it("turns a failure into a ToolError quoting the CLI, with the exit code and the binary's next step", () => {
    let error: unknown;
    try {
      requireSuccess(result("omnictl", 1, 'Error: rpc error: code = PermissionDenied desc = failed to validate: insufficient role: "Reader"'), "omnictl cluster template sync");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("omnictl cluster template sync failed (exit 1)");
    expect((error as ToolError).details).toMatchObject({ exitCode: 1, cliMessage: expect.stringContaining("insufficient role"), next: expect.stringMatching(/Operator or Admin/) });
  });

  it("a call the runner stopped says why, with a next step", () => {
    for (const [note, next] of [
      ["(timed out after 4000 ms; the process was stopped)", /did not finish in time/],
      ["(printed more than 1000000 bytes; the process was stopped)", /narrow the query/],
    ] as const) {
      try {
        requireSuccess({ ...result("talosctl", 130, `partial line\n${note}`), aborted: note.includes("timed out") }, "talosctl version");
        expect.unreachable();
      } catch (error) {
        expect((error as ToolError).details).toMatchObject({ cliMessage: expect.stringContaining(note), next: expect.stringMatching(next) });
      }
    }
  });

  it("a cancelled or timed-out call says so", () => {
    expect(() => requireSuccess({ ...result("talosctl", -1, ""), aborted: true }, "talosctl health")).toThrow(/talosctl health failed/);
    try {
      requireSuccess({ ...result("talosctl", -1, ""), aborted: true }, "talosctl health");
    } catch (error) {
      expect((error as ToolError).details.cliMessage).toBe("cancelled or timed out");
    }
  });
});
