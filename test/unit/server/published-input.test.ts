// The schema the guard validates each call with: a read tool's own; a mutation's with the consent
// fields, built once per tool rather than for every call.
import { describe, expect, it } from "vitest";
import apply from "../../../tools/apply.js";
import validateConfig from "../../../tools/validate-config.js";
import { publishedInput } from "../../../src/server/published-input.js";

describe("publishedInput", () => {
  it("is a read tool's own schema, without consent fields", () => {
    expect(publishedInput(validateConfig)).toBe(validateConfig.input);
    expect(Object.keys(publishedInput(validateConfig).shape)).not.toContain("planId");
  });

  it("adds planId and confirm to a mutation's schema, leaving the tool's own untouched", () => {
    const schema = publishedInput(apply);
    expect(Object.keys(schema.shape)).toEqual(expect.arrayContaining(["planId", "confirm"]));
    expect(Object.keys(apply.input.shape)).not.toContain("planId");
    const args = { cluster: "demo", nodes: ["10.5.0.2"], file: "demo/controlplane.yaml" };
    expect(schema.safeParse({ ...args, planId: "plan-abcdefghijklmnop" }).success).toBe(true);
    expect(schema.safeParse({ ...args, planId: "../etc/passwd" }).success).toBe(false);
    expect(schema.safeParse({ ...args, confirm: "x".repeat(201) }).success).toBe(false);
  });

  it("builds a mutation's schema once: every call gets the same one", () => {
    expect(publishedInput(apply)).toBe(publishedInput(apply));
  });
});
