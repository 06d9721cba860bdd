// Rule workspace-paths: every path a model supplies must resolve inside the workspace, after
// normalisation and after following symlinks of every component that exists.
import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import { PolicyDenied } from "../server/errors.js";

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

/** The real path of `path`, following symlinks of every existing component; undefined when a dangling link is in the way. */
async function realpathOfDeepestExisting(path: string): Promise<string | undefined> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? resolve(real, ...missing.reverse()) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      // A dangling symlink: where it points cannot be checked, so it is not followed.
      if (await lstat(current).then((stat) => stat.isSymbolicLink(), () => false)) return undefined;
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      current = parent;
    }
  }
}

export async function resolveInsideWorkspace(root: string, input: string, field: string): Promise<string> {
  const deny = (reason: string) => {
    throw new PolicyDenied("workspace-paths", `${field}: ${reason}`, `give a path inside the workspace (${root}), e.g. demo/controlplane.yaml`);
  };
  if (input.trim() === "") deny("the path is empty");
  if (input.includes("\0")) deny("the path contains a NUL byte");
  if (input.startsWith("~")) deny(`'${input}' uses ~, which is not expanded`);
  const candidate = isAbsolute(input) ? resolve(input) : resolve(root, input);
  if (!inside(root, candidate)) deny(`'${input}' is outside the workspace`);
  const real = await realpathOfDeepestExisting(candidate);
  if (real === undefined || !inside(root, real)) deny(`'${input}' leads outside the workspace through a symbolic link`);
  return real!;
}
