// Differential test: the canonical YAML must equal what Go's yaml marshaller (the one the factory
// uses) writes for the same schematic, for awkward strings, overlay option maps and block text.
// The expected outputs were produced by fixtures/go-yaml-canonical (see its main.go).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalSchematicYaml, parseSchematic } from "../../../src/factory/schematic.js";

const { cases } = JSON.parse(readFileSync(new URL("./fixtures/canonical-yaml.json", import.meta.url), "utf8")) as { cases: { input: unknown; yaml: string }[] };

describe("canonical YAML equals Go's marshalling", () => {
  it("has recorded cases", () => expect(cases.length).toBeGreaterThan(10));
  for (const [index, { input, yaml }] of cases.entries()) {
    it(`case ${index}: ${JSON.stringify(input).slice(0, 80)}`, () => {
      expect(canonicalSchematicYaml(parseSchematic(input))).toBe(yaml);
    });
  }
});
