// The workspace capability handed to tools: every model-supplied path goes through
// resolveInsideWorkspace (rule workspace-paths) and every write is atomic with owner-only mode.
import { access, mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { SCRATCH_PARENT, scratchPrefix, writeFileAtomic } from "../fs/atomic.js";
import { resolveInsideWorkspace } from "../policy/paths.js";
import { PolicyDenied, ToolError } from "./errors.js";
import type { Workspace } from "./tool-spec.js";

export async function openWorkspace(path: string): Promise<Workspace> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const root = await realpath(path);
  const inside = (abs: string) => abs === root || abs.startsWith(`${root}/`);
  const assertInside = (abs: string) => {
    if (!inside(abs)) throw new PolicyDenied("workspace-paths", `refusing to write outside the workspace: ${abs}`, `write under ${root}`);
  };
  return {
    root,
    resolve: (input, field) => resolveInsideWorkspace(root, input, field),
    async resolveOutput(input, field, overwrite) {
      const abs = await resolveInsideWorkspace(root, input, field);
      if (!overwrite && (await access(abs).then(() => true, () => false))) {
        throw new ToolError(`${field} ${input} already exists`, { field, next: "pass overwrite: true to replace it, or choose another path" });
      }
      return abs;
    },
    async writeFile(abs, data, mode = 0o600) {
      assertInside(abs);
      await writeFileAtomic(abs, data, mode);
    },
    async mkdir(abs) {
      assertInside(abs);
      await mkdir(abs, { recursive: true, mode: 0o700 });
    },
    async withScratchDir(work) {
      const parent = join(root, SCRATCH_PARENT);
      await mkdir(parent, { recursive: true, mode: 0o700 });
      const dir = await mkdtemp(join(parent, scratchPrefix()));
      try {
        return await work(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
