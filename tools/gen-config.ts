// gen-config: a secrets bundle plus controlplane/worker configs and a talosconfig for a new cluster,
// written into <workspace>/<cluster>/ with owner-only permissions. Everything is generated in a
// scratch directory first and moved into place only when talosctl succeeded, so a failure leaves
// the previous state untouched. An existing secrets bundle is never replaced: regenerating a
// cluster's configs reuses it, because running nodes only trust those secrets.
import { access, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { ToolError } from "../src/server/errors.js";
import { clusterEndpoint, clusterName, imageReference, installDisk, kubernetesVersion, talosContract, isHostOrIp } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { CLUSTER_FILES, clusterPaths, readAdminCertificate, summariseMachineConfig } from "../src/talos/cluster-files.js";

const exists = (path: string) => access(path).then(() => true, () => false);

const input = z
  .object({
    cluster: clusterName.describe("Cluster name (lowercase letters, digits, '-'), also its workspace folder."),
    endpoint: clusterEndpoint,
    installDisk: installDisk.optional(),
    installImage: imageReference.optional().describe("Installer image (default: the pinned talosctl's); an Image Factory one for extensions."),
    kubernetesVersion: kubernetesVersion.optional(),
    talosVersion: talosContract.optional(),
    additionalSans: z
      .array(z.string().refine(isHostOrIp, "must be an IP address or DNS name"))
      .max(32)
      .optional()
      .describe("Extra API server certificate names/IPs (e.g. a load balancer)."),
    withKubespan: z.boolean().optional().describe("Enable KubeSpan (WireGuard mesh)."),
    withDocs: z.boolean().optional().describe("Keep field documentation comments in the configs."),
    overwrite: z
      .boolean()
      .optional()
      .describe("Regenerate an existing cluster's configs (its secrets bundle is reused)."),
  })
  .strict();

const output = z.object({
  cluster: z.string(),
  directory: z.string(),
  files: z.object({ secrets: z.string(), controlplane: z.string(), worker: z.string(), talosconfig: z.string() }),
  clusterEndpoint: z.string(),
  kubernetesVersion: z.string().optional(),
  installDisk: z.string().optional(),
  installImage: z.string().optional(),
  reusedSecrets: z.boolean(),
  adminCertificate: z.object({ fingerprintSha256: z.string(), notAfter: z.string(), subject: z.string() }),
  next: z.string(),
});

export default defineTool({
  name: "gen-config",
  title: "Generate cluster configuration",
  description:
    "Start a new cluster: write its secrets bundle, controlplane.yaml, worker.yaml and talosconfig into <workspace>/<cluster>/ (talosctl gen secrets, gen config). Returns paths, never keys.",
  toolset: "talos",
  risk: "local-write",
  minRole: "none",
  openWorld: false,
  idempotent: false,
  rules: ["workspace-paths", "argv-guard", "real-commands-only"],
  input,
  output,
  async run(args, ctx) {
    const paths = clusterPaths(await ctx.workspace.resolve(args.cluster, "cluster"));
    const present = (await Promise.all(CLUSTER_FILES.map((file) => exists(join(paths.dir, file))))).some(Boolean);
    if (present && !args.overwrite) {
      throw new ToolError(`cluster '${args.cluster}' already has configs in the workspace (${relative(ctx.workspace.root, paths.dir)})`, {
        field: "overwrite",
        next: "pass overwrite: true to regenerate its configs (the secrets bundle is kept), or choose another cluster name",
      });
    }
    const reusedSecrets = await exists(paths.secrets);

    const generated = await ctx.workspace.withScratchDir(async (scratch) => {
      const secrets = reusedSecrets ? paths.secrets : join(scratch, "secrets.yaml");
      if (!reusedSecrets) {
        requireSuccess(await ctx.cli.run("talosctl", ["gen", "secrets", "--output-file", secrets]), "talosctl gen secrets");
      }
      const flags = [
        ["--with-secrets", secrets],
        ["--output", scratch],
        ["--with-docs", String(args.withDocs ?? false)],
        ["--with-examples", String(args.withDocs ?? false)],
        ...(args.installDisk ? [["--install-disk", args.installDisk]] : []),
        ...(args.installImage ? [["--install-image", args.installImage]] : []),
        ...(args.kubernetesVersion ? [["--kubernetes-version", args.kubernetesVersion]] : []),
        ...(args.talosVersion ? [["--talos-version", args.talosVersion]] : []),
        ...(args.additionalSans?.length ? [["--additional-sans", args.additionalSans.join(",")]] : []),
        ...(args.withKubespan ? [["--with-kubespan", "true"]] : []),
      ].map(([flag, value]) => `${flag}=${value}`);
      requireSuccess(await ctx.cli.run("talosctl", ["gen", "config", args.cluster, args.endpoint, ...flags]), "talosctl gen config");
      const files = Object.fromEntries(
        await Promise.all(
          (["controlplane.yaml", "worker.yaml", "talosconfig", ...(reusedSecrets ? [] : ["secrets.yaml"])] as const).map(
            async (name) => [name, await readFile(join(scratch, name))] as const,
          ),
        ),
      );
      return files;
    });

    // Secrets first: a config is useless without the bundle it was made from. All are checked
    // before any is written, so a refused replacement (rule protected-files) changes nothing.
    const names = ["secrets.yaml", "controlplane.yaml", "worker.yaml", "talosconfig"] as const;
    await ctx.workspace.writeFiles(names.flatMap((name) => (generated[name] ? [{ path: join(paths.dir, name), data: generated[name]!, mode: 0o600 }] : [])));

    const summary = summariseMachineConfig(generated["controlplane.yaml"]!.toString("utf8"));
    const rel = (path: string) => relative(ctx.workspace.root, path);
    const adminCertificate = await readAdminCertificate(paths.talosconfig, args.cluster);
    const structured = {
      cluster: args.cluster,
      directory: rel(paths.dir),
      files: { secrets: rel(paths.secrets), controlplane: rel(paths.controlplane), worker: rel(paths.worker), talosconfig: rel(paths.talosconfig) },
      clusterEndpoint: summary.clusterEndpoint ?? args.endpoint,
      kubernetesVersion: summary.kubernetesVersion,
      installDisk: summary.installDisk,
      installImage: summary.installImage,
      reusedSecrets,
      adminCertificate,
      next: `validate-config on ${rel(paths.controlplane)}, then apply it to each control-plane node (insecure: true while in maintenance mode).`,
    };
    const text = [
      `Generated cluster '${args.cluster}' in ${structured.directory}/ (${reusedSecrets ? "reused the existing secrets bundle" : "new secrets bundle"}).`,
      `Endpoint ${structured.clusterEndpoint}, Kubernetes ${structured.kubernetesVersion ?? "default"}, install ${structured.installDisk ?? "default disk"} with ${structured.installImage ?? "default image"}.`,
      `Files (0600): ${Object.values(structured.files).join(", ")}.`,
      `Admin client certificate sha256 ${adminCertificate.fingerprintSha256}, valid until ${adminCertificate.notAfter}.`,
      `Next: ${structured.next}`,
    ].join("\n");
    return { structured, text };
  },
});
