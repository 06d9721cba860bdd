// health: talosctl health (server-side check through one control-plane node), with progress
// notifications while it waits so clients do not time out.
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { defineTool } from "../src/server/tool-spec.js";
import { withHeartbeat } from "../src/talos/live.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields } from "../src/talos/targets.js";

export default defineTool({
  name: "health",
  title: "Cluster health",
  description:
    "Check cluster health (talosctl health) from one control-plane node: etcd, kubelet, control plane, nodes ready. Run after bootstrap and between upgrades.",
  toolset: "talos",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "talosctl health output",
  idempotent: true,
  rules: [],
  timeoutMs: 11 * 60_000,
  input: z
    .object({
      ...targetFields,
      nodes: nodeList(1).describe("One control-plane node."),
      waitTimeoutSeconds: z.number().int().min(5).max(600).default(120).describe("Seconds to wait for the cluster to become healthy."),
    })
    .strict(),
  output: z.object({ healthy: z.boolean(), checks: z.array(z.string()), message: z.string().optional() }),
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    requireEndpoints(target);
    const run = ctx.cli.run("talosctl", ["health", `--wait-timeout=${args.waitTimeoutSeconds}s`], {
      target: { ...target.cli, nodes: args.nodes },
      timeoutMs: (args.waitTimeoutSeconds + 30) * 1000,
    });
    const result = await withHeartbeat(ctx, "health check", run);
    // talosctl prints its checks on stderr: "waiting for …: OK" lines.
    const checks = result.stderr.split("\n").filter((line) => /^(waiting for|discovered nodes|healthcheck)/.test(line.trim()));
    if (result.exitCode !== 0 && !/healthcheck error/.test(result.stderr)) requireSuccess(result, "talosctl health");
    const healthy = result.exitCode === 0;
    const message = healthy ? undefined : result.stderr.trim().split("\n").slice(-3).join("\n");
    return { structured: { healthy, checks, message }, text: healthy ? `Cluster is healthy.\n${checks.join("\n")}` : `Cluster is NOT healthy:\n${message}` };
  },
});
