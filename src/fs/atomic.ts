// Atomic file writes: temp file in the same directory, fsync, chmod, rename, fsync of the
// directory. A failure at any point leaves the previous file untouched and no temp file behind;
// a process killed mid-write (kill -9, OOM) leaves the previous file and, at worst, a temp file
// that sweepStaleTemps removes at the next start. Temp names carry the writer's pid, so a sweep
// never removes a file another running server is still writing.
import { nodeCrypto } from "../lazy-crypto.js";
import { createReadStream } from "node:fs";
import { link, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isAlive } from "../exec/process-alive.js";

/** `.<name>.<pid>.<12 hex>.tmp`: a temp file of writeFileAtomic. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;
/** Scratch directories of one tool call (see Workspace.withScratchDir): `call-<pid>-<random>`. */
export const SCRATCH_PARENT = ".talos-mcp-tmp";
const SCRATCH_DIR = /^call-(\d+)-/;

export const scratchPrefix = () => `call-${process.pid}-`;

/** A fresh temp name next to `path`, carrying this process's pid: one sweepStaleTemps recognises. */
const tempPathFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(6).toString("hex")}.tmp`);

/** Creates `path` (it must not exist) with `data` and `mode`, on disk before it returns. */
async function writeNewFileSynced(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(path, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A rename or link is durable only once its directory is: without this, a power cut right after a
 * "successful" write could bring back the previous file, or lose a file published once.
 */
async function syncDirectory(dir: string): Promise<void> {
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = tempPathFor(path);
  try {
    await writeNewFileSynced(temp, data, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/**
 * Writes `path` only if it does not exist yet — atomically, across processes: the data goes to a
 * temporary file that is then hard-linked into place (link() fails when the name exists), so
 * exactly one of several writers succeeds and a reader never sees a half-written file.
 * False when `path` already existed.
 */
export async function publishOnce(path: string, data: string | Uint8Array, mode = 0o600): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Named for the start-up sweep: a kill -9 before the rm below leaves nothing behind for good.
  const temp = tempPathFor(path);
  try {
    await writeNewFileSynced(temp, data, mode);
    const linked = await link(temp, path).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return false;
        throw error;
      },
    );
    if (!linked) return false;
  } finally {
    await rm(temp, { force: true });
  }
  // A record published once (a plan's use, a decision) must survive a crash, or it could happen twice.
  await syncDirectory(dir);
  return true;
}

export async function sha256File(path: string): Promise<string> {
  const hash = nodeCrypto().createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Whether a temp file's writer can still be writing it. Our own pid counts as gone: the sweep runs
 * at start-up, before this process has written anything, so a temp with our pid belongs to an
 * earlier process that had the same pid (usual in containers, where the server is often pid 1).
 */
function writerGone(pid: number): boolean {
  return pid === process.pid || !isAlive(pid);
}

/**
 * Removes temp files and call scratch directories left below `roots` by processes that are gone
 * (killed mid-write). Walks real directories only (never follows a symlink out of a root), to
 * `maxDepth` levels. Returns the paths it removed.
 */
export async function sweepStaleTemps(roots: readonly string[], maxDepth = 8): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const temp = entry.isFile() ? TEMP_FILE.exec(entry.name) : null;
      const scratch = entry.isDirectory() && basename(dir) === SCRATCH_PARENT ? SCRATCH_DIR.exec(entry.name) : null;
      const owner = temp?.[1] ?? scratch?.[1];
      if (owner !== undefined && writerGone(Number(owner))) {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } else if (entry.isDirectory() && depth < maxDepth) {
        await walk(path, depth + 1);
      }
    }
  };
  for (const root of roots) await walk(root, 0);
  return removed;
}
