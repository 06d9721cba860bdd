// Stand-ins for talosctl/omnictl that a test points TALOSCTL/OMNICTL at: a fault stub that
// misbehaves in a chosen way (or runs the real CLI), and a recording stub that writes down every
// argv it is given. Both answer the version probe as the pinned build, and a private cache holds
// the real command trees, so the server checks argv against the real CLI's commands and flags
// and never walks a stub's --help into the shared cache.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, discoverBinary } from "../../src/backends/binaries.js";
import { readCommandTree } from "../../src/backends/command-tree.js";
import { PINNED } from "../../src/backends/versions.js";
import type { CliBinary } from "../../src/server/tool-spec.js";

export const BINARIES: CliBinary[] = ["talosctl", "omnictl"];

/** The shared build cache, as it was before a test pointed TALOS_MCP_CACHE elsewhere. */
const SHARED_CACHE = cacheDir();

/** The pinned, real binary in the shared build cache. */
export const realBinary = (binary: CliBinary) => join(SHARED_CACHE, "bin", `${binary}-${PINNED[binary]}`);

/**
 * A fresh cache directory (set TALOS_MCP_CACHE to it) with copies of the real command trees, and
 * the shared API definitions the simulators load.
 */
export async function privateCache(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "talos-mcp-stub-cache-"));
  mkdirSync(join(dir, "command-tree"));
  symlinkSync(join(SHARED_CACHE, "protos"), join(dir, "protos"));
  for (const binary of BINARIES) {
    const info = await discoverBinary(binary, { explicitPath: realBinary(binary) });
    if (!info) throw new Error(`${binary} is not built: run npm run clis`);
    await readCommandTree(info, { cacheDir: SHARED_CACHE });
    // Whatever name the cache gives this version's tree (it carries a format version).
    for (const name of readdirSync(join(SHARED_CACHE, "command-tree")).filter((file) => file.startsWith(`${binary}-${info.version}.`))) {
      copyFileSync(join(SHARED_CACHE, "command-tree", name), join(dir, "command-tree", name));
    }
  }
  return dir;
}

const versionProbe = (binary: CliBinary, version: string) =>
  binary === "talosctl"
    ? `if [ "$1" = version ] && [ "$2" = --client ]; then printf 'Client:\\n\\tTag:         ${version}\\n'; exit 0; fi`
    : `if [ "$1" = --version ]; then echo "omnictl version ${version}"; exit 0; fi`;

export type FaultMode = "ok" | "crash" | "killed" | "hang" | "flood" | "forever" | "garbage";

export interface FaultStub {
  path: string;
  setMode(mode: FaultMode): void;
}

/**
 * A stub that does what its mode file says: run the real binary (ok), panic like a Go program
 * (crash: trace on stderr, exit 2), die by SIGKILL (killed), hang with a grandchild (hang), print
 * 100 MB (flood), print forever (forever), or exit 0 with garbage (garbage).
 */
export function faultStub(dir: string, binary: CliBinary, options: { version?: string } = {}): FaultStub {
  const path = join(dir, `${binary}-fault-stub`);
  const modeFile = join(dir, `${binary}-fault-mode`);
  writeFileSync(modeFile, "ok");
  writeFileSync(
    path,
    `#!/bin/sh
${versionProbe(binary, options.version ?? PINNED[binary])}
case "$(cat '${modeFile}')" in
  ok) exec '${realBinary(binary)}' "$@" ;;
  crash) printf 'panic: runtime error: invalid memory address or nil pointer dereference\\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1]\\n\\ngoroutine 1 [running]:\\nmain.main()\\n' >&2; exit 2 ;;
  killed) kill -KILL $$ ;;
  hang) sleep 3600 & exec sleep 3600 ;;
  flood) exec head -c 100000000 /dev/zero ;;
  forever) exec yes 'garbage without end' ;;
  garbage) printf '{"metadata": {"id": [\\nNODE   ???\\n\\001\\002 not: [yaml\\n'; exit 0 ;;
esac
echo "stub: unknown mode" >&2
exit 99
`,
  );
  chmodSync(path, 0o755);
  return { path, setMode: (mode) => writeFileSync(modeFile, mode) };
}

/**
 * A stub that records every call it gets — working directory and argv, NUL-separated, one file
 * per call in `recordDir` (concurrent calls cannot interleave) — and exits 1 without doing
 * anything, so tools stop at their first CLI call with a CLI error. Read with readRecordings.
 */
export function recordingStub(dir: string, binary: CliBinary, recordDir: string): string {
  const path = join(dir, `${binary}-recording-stub`);
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(
    path,
    `#!/bin/sh
${versionProbe(binary, PINNED[binary])}
printf '%s\\0' "$PWD" "$#" "$@" > '${recordDir}/call.'$$
echo "recording stub: not a real ${binary}" >&2
exit 1
`,
  );
  chmodSync(path, 0o755);
  return path;
}

export interface RecordedCall {
  binary: CliBinary;
  cwd: string;
  argv: string[];
}

/** The calls recorded in `recordDir` by the stub of `binary`, removing them. */
export function takeRecordings(recordDir: string, binary: CliBinary): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const name of readdirSync(recordDir)) {
    const file = join(recordDir, name);
    const fields = readFileSync(file, "utf8").split("\0");
    rmSync(file);
    const [cwd, count, ...rest] = fields;
    calls.push({ binary, cwd: cwd!, argv: rest.slice(0, Number(count)) });
  }
  return calls;
}
