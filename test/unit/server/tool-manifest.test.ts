// The built tool manifest (dist/tools/manifest.json, written by `npm run build`) is what a server
// lists and filters tools by at start. It must be exactly what the sources describe: a tool added,
// removed, renamed, re-described or given another risk, role or toolset without a rebuild fails here.
import { describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../../../tools/index.js";
import { catalogFromManifest } from "../../../src/server/tool-catalog.js";
import { describeTool } from "../../../src/server/tool-description.js";
import { buildToolManifest, type ToolManifest } from "../../../src/server/tool-manifest.js";
import { readBuiltManifest } from "../../helpers/built-manifest.js";

const builtManifest = () => readBuiltManifest<ToolManifest>("tools/manifest.json");

describe("tool manifest", () => {
  it("the built manifest is what the sources describe (run `npm run build` after changing a tool)", async () => {
    expect(builtManifest()).toEqual(await buildToolManifest());
  });

  it("lists every tool of ALL_TOOLS, in order, with describeTool's listing and the facts visibility reads", () => {
    const manifest = builtManifest();
    expect(manifest.tools.map((entry) => entry.name)).toEqual(ALL_TOOLS.map((spec) => spec.name));
    for (const spec of ALL_TOOLS) {
      const entry = manifest.tools.find((candidate) => candidate.name === spec.name);
      expect(entry?.listing, spec.name).toEqual(describeTool(spec));
      expect(entry && { toolset: entry.toolset, risk: entry.risk, minRole: entry.minRole }, spec.name).toEqual({ toolset: spec.toolset, risk: spec.risk, minRole: spec.minRole });
    }
  });

  it("loads a tool's module at its call and returns that module's spec", async () => {
    const manifest = await buildToolManifest();
    const reboot = catalogFromManifest(manifest).find((tool) => tool.name === "reboot");
    expect(await reboot?.load()).toBe(ALL_TOOLS.find((spec) => spec.name === "reboot"));
  });

  it("refuses to call a tool whose module no longer matches the manifest's facts", async () => {
    const manifest = await buildToolManifest();
    const stale = manifest.tools.map((entry) => (entry.name === "reboot" ? { ...entry, risk: "read" as const } : entry));
    const reboot = catalogFromManifest({ ...manifest, tools: stale }).find((tool) => tool.name === "reboot");
    await expect(reboot!.load()).rejects.toThrow(/tools\/manifest\.json is stale: .*"risk":"read".*"risk":"mutate".*npm run build/);
  });
});
