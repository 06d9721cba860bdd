// omni-kubeconfig: a headless (service-account) kubeconfig for an Omni cluster, written into the
// workspace. The OIDC default would need a browser, so --service-account is always used.
import { z } from "zod";
import { downloadCredential } from "../src/omni/credential-file.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";

const credential = z.object({ path: z.string(), bytes: z.number(), sha256: z.string() });

export default defineTool({
  name: "omni-kubeconfig",
  title: "Omni cluster kubeconfig (service account)",
  description:
    "Write a service-account kubeconfig for an Omni cluster into the workspace (omnictl kubeconfig --service-account), mode 0600. Returns the path, size and sha256 — never the contents.",
  toolset: "omni",
  risk: "local-write",
  minRole: "operator",
  openWorld: true,
  rules: ["workspace-paths"],
  input: z
    .object({
      cluster: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "Omni cluster names use letters, digits, '-' and '_'").describe("Name of the cluster in Omni."),
      user: z.string().regex(/^[A-Za-z0-9@._-]{1,128}$/, "letters, digits, '@', '.', '-', '_'").describe("User (token subject) the kubeconfig authenticates as, e.g. automation."),
      groups: z.array(z.string().regex(/^[A-Za-z0-9:._-]{1,128}$/)).min(1).max(8).optional().describe("Kubernetes groups of the token (Omni's default: system:masters)."),
      ttlHours: z.number().int().min(1).max(8760).default(24).describe("Lifetime of the token in hours (default 24)."),
      output: workspacePath.default("omni/kubeconfig").describe("Where to write it in the workspace."),
      overwrite: z.boolean().default(false).describe("Replace the file if it exists."),
    })
    .strict(),
  output: credential,
  async run(args, ctx) {
    const argv = [
      "kubeconfig",
      `--cluster=${args.cluster}`,
      "--service-account",
      `--user=${args.user}`,
      ...(args.groups ?? []).map((group) => `--groups=${group}`),
      `--ttl=${args.ttlHours}h`,
      "--force",
    ];
    const file = await downloadCredential(ctx, argv, args.output, args.overwrite, "omnictl kubeconfig");
    return { structured: file, text: `Wrote the kubeconfig for ${args.cluster} (user ${args.user}, ${args.ttlHours}h) to ${file.path} (${file.bytes} bytes, sha256 ${file.sha256}).` };
  },
});
