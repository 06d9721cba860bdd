// The built prompts manifest (dist/prompts/manifest.json, written by `npm run build`) is what a
// server lists its prompts from at start. It must be exactly what the prompt files say: a prompt
// added, removed, renamed or re-described without a rebuild fails here; a file changed after the
// build fails its prompts/get with the fix instead of serving a body the listing does not describe.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPromptManifest, loadListedPrompt, loadPrompts, promptsDir, type PromptManifest } from "../../../prompts/index.js";
import { readBuiltManifest } from "../../helpers/built-manifest.js";

const builtManifest = () => readBuiltManifest<PromptManifest>("prompts/manifest.json");

describe("prompts manifest", () => {
  it("the built manifest is what the prompt files say (run `npm run build` after changing a prompt)", () => {
    expect(builtManifest()).toEqual(buildPromptManifest());
  });

  it("lists every prompt file, in order, with everything but its body", () => {
    const { prompts } = builtManifest();
    expect(prompts.map((listing) => listing.name)).toEqual(loadPrompts().map((prompt) => prompt.name));
    for (const prompt of loadPrompts()) {
      const { body: _body, ...facts } = prompt;
      const listing = prompts.find((candidate) => candidate.name === prompt.name);
      expect(listing && { ...listing, file: undefined }, prompt.name).toEqual({ ...facts, file: undefined });
      expect(readFileSync(join(promptsDir(), listing!.file), "utf8")).toContain(prompt.body);
    }
  });

  it("reads a listed prompt's body from its file", () => {
    const listing = builtManifest().prompts.find((candidate) => candidate.name === "troubleshoot-node")!;
    expect(loadListedPrompt(listing)).toEqual(loadPrompts().find((prompt) => prompt.name === "troubleshoot-node"));
  });

  it("refuses a prompt whose file no longer says what the manifest listed", () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-prompts-"));
    writeFileSync(join(dir, "demo.md"), "---\nname: demo\ntitle: Demo\ndescription: Old description\ntools: [health]\n---\nBody\n");
    const [listing] = buildPromptManifest(dir).prompts;
    writeFileSync(join(dir, "demo.md"), "---\nname: demo\ntitle: Demo\ndescription: New description\ntools: [health]\n---\nBody\n");
    expect(() => loadListedPrompt(listing!, dir)).toThrow(/prompts\/manifest\.json is stale: .*Old description.*New description.*npm run build/);
  });
});
