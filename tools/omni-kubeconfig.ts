// omni-kubeconfig: mints a service-account kubeconfig for an Omni cluster (omnictl kubeconfig
// --service-account) into the workspace. Minting a credential is a change: it needs consent, it
// lives one hour unless asked otherwise, and it carries the Kubernetes groups named explicitly —
// system:masters (cluster-admin) only when asked for, from an admin, with the cluster typed back.
// The OIDC default would need a browser, so --service-account is always used.
import { z } from "zod";
import { downloadCredential } from "../src/omni/credential-file.js";
import { PolicyDenied } from "../src/server/errors.js";
import { roleAllows } from "../src/server/roles.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";

const CLUSTER_ADMIN_GROUP = "system:masters";
const credential = z.object({ path: z.string(), bytes: z.number(), sha256: z.string() });

const input = z
  .object({
    cluster: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "Omni cluster names use letters, digits, '-' and '_'").describe("Omni cluster name."),
    user: z.string().regex(/^[A-Za-z0-9@._-]{1,128}$/, "letters, digits, '@', '.', '-', '_'").describe("Token subject, e.g. automation."),
    groups: z
      .array(z.string().regex(/^[A-Za-z0-9:._-]{1,128}$/, "a Kubernetes group name, e.g. ops:view"))
      .min(1, "name the Kubernetes groups the token carries (bound by the cluster's RBAC); system:masters only when cluster-admin is really needed")
      .max(8)
      .refine((groups) => new Set(groups).size === groups.length, "groups must not repeat")
      .describe("Kubernetes groups, e.g. [\"ops:view\"]; system:masters only when asked for (role admin, cluster name typed back)."),
    ttlHours: z.number().int().min(1).max(168).default(1).describe("Token lifetime in hours."),
    output: workspacePath.default("omni/kubeconfig").describe("Workspace file."),
    overwrite: z.boolean().default(false).describe("Replace a kubeconfig of the same cluster."),
  })
  .strict();

function omnictlArgs(args: z.infer<typeof input>): string[] {
  return ["kubeconfig", `--cluster=${args.cluster}`, "--service-account", `--user=${args.user}`, ...args.groups.map((group) => `--groups=${group}`), `--ttl=${args.ttlHours}h`, "--force"];
}

export default defineTool({
  name: "omni-kubeconfig",
  title: "Mint an Omni cluster kubeconfig (service account)",
  description:
    "Mint a service-account kubeconfig for an Omni cluster into the workspace (omnictl kubeconfig --service-account): a new credential with the groups you name. Returns path and sha256.",
  toolset: "omni",
  risk: "mutate",
  minRole: "operator",
  openWorld: true,
  rules: ["workspace-paths", "destructive-explicit", "role-ceiling"],
  input,
  output: credential,
  async preflight(args, ctx) {
    if (args.groups.includes(CLUSTER_ADMIN_GROUP) && !roleAllows(ctx.effectiveRole, "admin")) {
      throw new PolicyDenied("role-ceiling", `a ${CLUSTER_ADMIN_GROUP} (cluster-admin) kubeconfig needs role admin; this session's role is ${ctx.effectiveRole}`, "ask for narrower groups bound by the cluster's RBAC");
    }
    await ctx.workspace.resolveOutput(args.output, "output", args.overwrite);
  },
  async plan(args) {
    const admin = args.groups.includes(CLUSTER_ADMIN_GROUP);
    return {
      summary: `Mint a ${args.ttlHours}h kubeconfig for Omni cluster ${args.cluster} (user ${args.user}, groups ${args.groups.join(", ")})${admin ? " — CLUSTER-ADMIN" : ""}`,
      commands: [["omnictl", ...omnictlArgs(args), "--merge=false", args.output]],
      targets: [`omni cluster ${args.cluster}`],
      impact: [
        `Omni issues a service-account token valid for ${args.ttlHours} hour(s) with groups ${args.groups.join(", ")}; it cannot be revoked before then except by removing the service account in Omni`,
        `written to ${args.output} (0600)`,
        ...(admin ? [`${CLUSTER_ADMIN_GROUP} bypasses all Kubernetes RBAC: whoever holds the file controls the cluster`] : []),
      ],
      ...(admin ? { typedConfirmation: args.cluster, destructive: true } : {}),
    };
  },
  async run(args, ctx) {
    const file = await downloadCredential(ctx, omnictlArgs(args), args.output, args.overwrite, "omnictl kubeconfig");
    return { structured: file, text: `Wrote the kubeconfig for ${args.cluster} (user ${args.user}, groups ${args.groups.join(", ")}, ${args.ttlHours}h) to ${file.path} (${file.bytes} bytes, sha256 ${file.sha256}).` };
  },
});
