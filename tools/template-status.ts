// template-status: how far Omni is with a template's cluster. omnictl's own --wait prints only at
// the end when its output is not a terminal, so the tool polls `status --wait=0` and reports each
// round as progress until the cluster is healthy or the wait runs out.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { requireSuccess } from "../src/server/cli-errors.js";
import { callOmnictl } from "../src/omni/run.js";
import { stripAnsi } from "../src/talos/outputs.js";
import { resolveTemplate, templateFlags } from "../src/omni/template-input.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";

const NOT_HEALTHY = /cluster is not healthy/;

export default defineTool({
  name: "template-status",
  title: "Omni cluster template status",
  description:
    "Show how far Omni is with a template's cluster (omnictl cluster template status), or wait until it is healthy.",
  toolset: "omni",
  risk: "read",
  minRole: "reader",
  openWorld: true,
  untrustedSource: "Omni cluster status (omnictl cluster template status)",
  idempotent: true,
  rules: ["workspace-paths"],
  timeoutMs: 35 * 60_000,
  input: z
    .object({
      template: workspacePath.describe("Template file, e.g. omni/cluster.yaml."),
      waitSeconds: z.number().int().min(0).max(1800).default(0).describe("Seconds to wait for healthy (0: report once)."),
      pollSeconds: z.number().int().min(1).max(60).default(5).describe("Seconds between checks while waiting."),
    })
    .strict(),
  output: z.object({ healthy: z.boolean(), status: z.string(), waitedSeconds: z.number() }),
  async run(args, ctx) {
    const template = await resolveTemplate(ctx, args.template);
    const started = Date.now();
    for (let round = 1; ; round++) {
      const result = await callOmnictl(ctx, ["cluster", "template", "status", ...templateFlags(ctx, template.path), "--wait=0s"]);
      const status = stripAnsi(result.stdout).trimEnd();
      const waitedSeconds = Math.round((Date.now() - started) / 1000);
      const healthy = result.exitCode === 0;
      if (!healthy && !NOT_HEALTHY.test(result.stderr)) requireSuccess(result, "omnictl cluster template status");
      const done = healthy || waitedSeconds + args.pollSeconds > args.waitSeconds;
      if (done) {
        const verdict = healthy ? "healthy" : args.waitSeconds > 0 ? `not healthy after ${waitedSeconds}s` : "not healthy yet";
        return { structured: { healthy, status, waitedSeconds }, text: `${template.clusters.join(", ") || "cluster"}: ${verdict}\n${status}` };
      }
      await ctx.progress(`round ${round}: not healthy yet (${waitedSeconds}s of ${args.waitSeconds}s)\n${status.split("\n").slice(0, 3).join("\n")}`, waitedSeconds, args.waitSeconds);
      await sleep(args.pollSeconds * 1000, undefined, { signal: ctx.signal });
    }
  },
});
