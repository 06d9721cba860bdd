import { describe, expect, it } from "vitest";
import { PolicyDenied } from "../../../src/server/errors.js";
import { assertOneMinorStep } from "../../../src/talos/live-checks.js";

describe("one-minor-step", () => {
  it.each([
    ["v1.11.6", "v1.12.6"],
    ["v1.12.0", "v1.12.6"],
    ["v1.12.6", "v1.12.6"],
    ["v1.12.6", "v1.11.6"],
    ["v1.12.6", "v1.13.0-beta.1"],
  ])("allows %s → %s", (from, to) => {
    expect(() => assertOneMinorStep(from, to)).not.toThrow();
  });

  it.each([
    ["v1.10.5", "v1.12.6", /v1\.11\.x/],
    ["v1.12.6", "v1.14.0", /v1\.13\.x/],
    ["v1.12.6", "v2.0.0", /skips/],
    ["v1.13.0", "v1.11.0", /v1\.12\.x/],
  ])("denies %s → %s", (from, to, fix) => {
    try {
      assertOneMinorStep(from, to);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyDenied);
      expect((error as PolicyDenied).rule).toBe("one-minor-step");
      expect(`${(error as PolicyDenied).reason} ${(error as PolicyDenied).fix}`).toMatch(fix);
    }
  });
});
