// The workspace capability handed to tools: every model-supplied path goes through
// resolveInsideWorkspace (rule workspace-paths), every write is atomic with owner-only mode, and
// no write replaces a file that matters (rule protected-files: secrets bundles, credentials,
// snapshots, server state), whatever the tool and whatever `overwrite` says.
import { mkdir, mkdtemp, open, realpath, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { SCRATCH_PARENT, scratchPrefix, writeFileAtomic } from "../fs/atomic.js";
import { resolveInsideWorkspace } from "../policy/paths.js";
import { PolicyDenied, ToolError } from "./errors.js";
import { CLASSIFY_LIMIT, classifyFile, describeProtected, neverReplaced, replacementVerdict } from "./protected-files.js";
import type { Workspace } from "./tool-spec.js";

/** The first bytes of an existing file (enough to classify it), or undefined when there is none. */
async function headOf(path: string): Promise<Buffer | undefined> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(CLASSIFY_LIMIT + 1);
    const read = await handle.read(buffer, 0, buffer.length, 0).catch((error: NodeJS.ErrnoException) => {
      // A directory exists but holds no bytes of its own to protect.
      if (error.code === "EISDIR") return { bytesRead: 0 };
      throw error;
    });
    return buffer.subarray(0, read.bytesRead);
  } finally {
    await handle.close();
  }
}

export async function openWorkspace(path: string): Promise<Workspace> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const root = await realpath(path);
  const inside = (abs: string) => abs === root || abs.startsWith(`${root}/`);
  const assertInside = (abs: string) => {
    if (!inside(abs)) throw new PolicyDenied("workspace-paths", `refusing to write outside the workspace: ${abs}`, `write under ${root}`);
  };
  const refuse = (abs: string, reason: string) =>
    new PolicyDenied("protected-files", `${relative(root, abs)} is not replaced: ${reason}`, "write to another path; a person can move or delete the old file first if it really must go");
  const writeFiles: Workspace["writeFiles"] = async (files) => {
    for (const { path, data } of files) {
      assertInside(path);
      const head = await headOf(path);
      if (head === undefined) continue;
      const verdict = replacementVerdict(path, head, typeof data === "string" ? Buffer.from(data) : data);
      if (!verdict.allow) throw refuse(path, verdict.reason);
    }
    for (const { path, data, mode = 0o600 } of files) await writeFileAtomic(path, data, mode);
  };
  return {
    root,
    resolve: (input, field) => resolveInsideWorkspace(root, input, field),
    async resolveOutput(input, field, overwrite) {
      const abs = await resolveInsideWorkspace(root, input, field);
      const head = await headOf(abs);
      if (head === undefined) return abs;
      if (!overwrite) throw new ToolError(`${field} ${input} already exists`, { field, next: "pass overwrite: true to replace it, or choose another path" });
      // Refused before any work is done; what may refresh a credential is decided at the write.
      const existing = classifyFile(abs, head);
      if (existing && neverReplaced(existing)) throw refuse(abs, `it holds ${describeProtected(existing)}, which is never replaced`);
      return abs;
    },
    async writeFile(abs, data, mode = 0o600) {
      await writeFiles([{ path: abs, data, mode }]);
    },
    writeFiles,
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
