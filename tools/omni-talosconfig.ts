// omni-talosconfig: the Omni-generated talosconfig (SideroV1 auth through the Omni endpoint) into
// the workspace. --break-glass (an operator talosconfig bypassing Omni) only when the operator
// enabled it in the config.
import { z } from "zod";
import { downloadCredential } from "../src/omni/credential-file.js";
import { PolicyDenied } from "../src/server/errors.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";

export default defineTool({
  name: "omni-talosconfig",
  title: "Omni talosconfig",
  description:
    "Write the Omni talosconfig of a cluster (or of the Omni instance) into the workspace (omnictl talosconfig). Its nodes are Omni-managed: change them with template-sync.",
  toolset: "omni",
  risk: "local-write",
  minRole: "operator",
  openWorld: true,
  rules: ["workspace-paths", "omni-reconcile"],
  input: z
    .object({
      cluster: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "Omni cluster names use letters, digits, '-' and '_'").optional().describe("Omni cluster; omit for the instance's generic talosconfig."),
      breakGlass: z.boolean().default(false).describe("Operator talosconfig bypassing Omni; refused unless the operator set omniBreakGlass."),
      output: workspacePath.optional().describe("Workspace file (default <cluster>/talosconfig, so tools reach it by `cluster`; omni/talosconfig without one)."),
      overwrite: z.boolean().default(false).describe("Replace the file if it exists."),
    })
    .strict(),
  output: z.object({ path: z.string(), bytes: z.number(), sha256: z.string() }),
  async run(args, ctx) {
    if (args.breakGlass && !ctx.config.omniBreakGlass) {
      throw new PolicyDenied("omni-reconcile", "a break-glass talosconfig bypasses Omni's reconciliation and the operator has not enabled it", "ask the operator to set omniBreakGlass: true, or work through template-sync");
    }
    const argv = ["talosconfig", ...(args.cluster ? [`--cluster=${args.cluster}`] : []), ...(args.breakGlass ? ["--break-glass"] : []), "--force"];
    const output = args.output ?? (args.cluster ? `${args.cluster}/talosconfig` : "omni/talosconfig");
    const file = await downloadCredential(ctx, argv, output, args.overwrite, "omnictl talosconfig");
    const usable = args.cluster && output === `${args.cluster}/talosconfig` ? ` Read tools (version, get, logs, services, health) reach its nodes through Omni with cluster: ${args.cluster}; changes go through template-sync.` : "";
    return { structured: file, text: `Wrote the ${args.breakGlass ? "break-glass " : ""}talosconfig${args.cluster ? ` for ${args.cluster}` : ""} to ${file.path} (${file.bytes} bytes, sha256 ${file.sha256}).${usable}` };
  },
});
