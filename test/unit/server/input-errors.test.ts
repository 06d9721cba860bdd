import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeInputIssues } from "../../../src/server/input-errors.js";

const schema = z
  .object({
    nodes: z.array(z.string().min(1, "must not be empty")).min(1),
    patches: z.array(z.object({ inline: z.string() }).strict()).optional(),
  })
  .strict();
const describe_ = (value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a failure");
  return describeInputIssues(parsed.error.issues);
};

describe("describeInputIssues", () => {
  it("names each bad field with its path and the expected value", () => {
    expect(describe_({ nodes: [""] })).toBe("field 'nodes.0': must not be empty");
    expect(describe_({})).toBe("field 'nodes' is required");
  });

  it("names unknown fields where they are, at the top level and nested", () => {
    expect(describe_({ nodes: ["a"], talosconfig: "/etc/x" })).toBe("unknown field 'talosconfig': remove it");
    expect(describe_(JSON.parse('{"nodes": ["a"], "patches": [{"inline": "x", "__proto__": {"polluted": 1}, "extra": 1}]}'))).toBe(
      "unknown fields 'patches.0.__proto__', 'patches.0.extra': remove them",
    );
  });
});
