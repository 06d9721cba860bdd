// Credentials omnictl downloads (kubeconfig, talosconfig) land in the workspace with mode 0600 and
// are described by path, size and digest only: their contents never reach the model or the log.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ToolContext } from "../server/tool-spec.js";
import { runOmnictl } from "./run.js";

export type CredentialFile = {
  path: string;
  bytes: number;
  sha256: string;
};

/** Runs `omnictl <args> <scratch file>` and moves the file to `output` in the workspace. */
export async function downloadCredential(ctx: ToolContext, args: string[], output: string, overwrite: boolean, what: string): Promise<CredentialFile> {
  const target = await ctx.workspace.resolveOutput(output, "output", overwrite);
  const data = await ctx.workspace.withScratchDir(async (dir) => {
    const scratch = join(dir, "credential");
    // --merge=false: write a fresh file instead of merging into (or creating) a user-level config.
    await runOmnictl(ctx, [...args, "--merge=false", scratch], what);
    return readFile(scratch);
  });
  await ctx.workspace.writeFile(target, data, 0o600);
  return { path: relative(ctx.workspace.root, target), bytes: data.byteLength, sha256: createHash("sha256").update(data).digest("hex") };
}
