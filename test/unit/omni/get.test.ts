import { describe, expect, it } from "vitest";
import { parseJsonStream } from "../../../src/talos/outputs.js";

// `omnictl get -o json` writes one 4-space-indented object per resource (output/json.go).
describe("parseJsonStream", () => {
  it("splits back-to-back objects, braces inside strings included", () => {
    const stdout = [
      JSON.stringify({ metadata: { id: "demo", type: "Clusters.omni.sidero.dev" }, spec: { note: "a } and { in a string \\\" too" } }, null, 4),
      JSON.stringify({ metadata: { id: "other" }, spec: {} }, null, 4),
    ].join("\n");
    const values = parseJsonStream(stdout) as { metadata: { id: string } }[];
    expect(values.map((v) => v.metadata.id)).toEqual(["demo", "other"]);
    expect((values[0] as any).spec.note).toBe('a } and { in a string \\" too');
  });
  it("reads no output as no resources and refuses a truncated stream", () => {
    expect(parseJsonStream("")).toEqual([]);
    expect(() => parseJsonStream('{"metadata": {"id": "x"')).toThrow(/it ends inside one, truncated/);
  });
});
