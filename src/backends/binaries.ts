// Finds talosctl/omnictl: TALOSCTL/OMNICTL env (must exist if set), then the build cache
// ($TALOS_MCP_CACHE or ~/.cache/talos-mcp/bin/<name>-<pin>), then PATH. Versions are read from
// the binary itself.
import { access, constants } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { CliBinary } from "../server/tool-spec.js";
import { isSupportedVersion, PINNED } from "./versions.js";

export interface BinaryInfo {
  binary: CliBinary;
  path: string;
  version: string;
  pinned: boolean;
  supported: boolean;
  source: "env" | "cache" | "path";
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TALOS_MCP_CACHE || join(homedir(), ".cache", "talos-mcp");
}

const executable = (path: string) => access(path, constants.X_OK).then(() => true, () => false);

/** Reads the version the binary reports; "unknown" when it reports none. */
export async function readVersion(binary: CliBinary, path: string): Promise<string> {
  const args = binary === "talosctl" ? ["version", "--client", "--short"] : ["--version"];
  // node's execFile rather than execa: this runs at start-up, before any tool needs execa; imported
  // here, so a server that has not yet probed or called anything has not loaded child_process.
  const { execFile } = await import("node:child_process");
  const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    const child = execFile(path, args, { timeout: 15_000, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } }, (_error, stdout, stderr) =>
      resolve({ stdout, stderr }),
    );
    child.stdin?.end();
  });
  return /v\d+\.\d+\.\d+[^\s]*/.exec(`${result.stdout}\n${result.stderr}`)?.[0] ?? "unknown";
}

const memo = new Map<string, Promise<BinaryInfo | undefined>>();

export function discoverBinary(binary: CliBinary, options: { explicitPath?: string; cacheDir?: string } = {}): Promise<BinaryInfo | undefined> {
  const key = `${binary}\0${options.explicitPath ?? ""}\0${options.cacheDir ?? ""}`;
  let found = memo.get(key);
  if (!found) {
    found = locate(binary, options);
    memo.set(key, found);
  }
  return found;
}

async function locate(binary: CliBinary, options: { explicitPath?: string; cacheDir?: string }): Promise<BinaryInfo | undefined> {
  const describe = async (path: string, source: BinaryInfo["source"]): Promise<BinaryInfo> => {
    const version = await readVersion(binary, path);
    return { binary, path, version, pinned: version === PINNED[binary], supported: isSupportedVersion(binary, version), source };
  };
  if (options.explicitPath) {
    if (!(await executable(options.explicitPath))) {
      throw new Error(`${binary.toUpperCase()}=${options.explicitPath} is not an executable file; fix the variable or unset it`);
    }
    return describe(options.explicitPath, "env");
  }
  const bin = join(options.cacheDir ?? cacheDir(), "bin");
  for (const candidate of [join(bin, `${binary}-${PINNED[binary]}`), join(bin, binary)]) {
    if (await executable(candidate)) return describe(candidate, "cache");
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    if (await executable(candidate)) return describe(candidate, "path");
  }
  return undefined;
}
