// The pinned CLIs as the server sees them: discovered once (TALOSCTL/OMNICTL env, the build
// cache, PATH) and their command trees read once per version. Lazy, because an offline-only
// session (policy-check, docs-search) should not pay for walking `--help`.
import type { Config } from "../config-types.js";
import { discoverBinary, cacheDir, type BinaryInfo } from "../backends/binaries.js";
import { readCommandTree } from "../backends/command-tree.js";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { CliBinary } from "./tool-spec.js";

export class Toolchain {
  private readonly binaries = new Map<CliBinary, Promise<BinaryInfo | undefined>>();
  private readonly trees = new Map<CliBinary, Promise<CommandTreeData | undefined>>();

  constructor(private readonly config: Pick<Config, "binaries">) {}

  binary(name: CliBinary): Promise<BinaryInfo | undefined> {
    let found = this.binaries.get(name);
    if (!found) {
      found = discoverBinary(name, { explicitPath: this.config.binaries[name] });
      this.binaries.set(name, found);
    }
    return found;
  }

  commandTree(name: CliBinary): Promise<CommandTreeData | undefined> {
    let tree = this.trees.get(name);
    if (!tree) {
      tree = this.binary(name).then((info) => (info ? readCommandTree(info, { cacheDir: cacheDir() }) : undefined));
      // A failed walk must not poison the session: forget it so the next call retries.
      tree.catch(() => this.trees.delete(name));
      this.trees.set(name, tree);
    }
    return tree;
  }
}
