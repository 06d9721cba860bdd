// template-sync: make Omni match a cluster template. The plan is `omnictl cluster template diff`
// (what would be created, updated, torn down); `sync` runs only after consent, and any teardown of a
// cluster, machine set or machine membership needs the cluster name typed back.
import { relative } from "node:path";
import { z } from "zod";
import { boundDiff, describeRef, destructiveTeardowns, parseSyncActions, parseTemplateDiff, type TemplateDiff } from "../src/omni/diff.js";
import { runOmnictl } from "../src/omni/run.js";
import { resolveTemplate, templateFlags } from "../src/omni/template-input.js";
import { workspacePath } from "../src/server/schemas.js";
import { defineTool, type ToolContext } from "../src/server/tool-spec.js";

async function diffTemplate(ctx: ToolContext, path: string): Promise<{ diff: TemplateDiff; preview: string }> {
  const result = await runOmnictl(ctx, ["cluster", "template", "diff", ...templateFlags(ctx, path)], "omnictl cluster template diff");
  return { diff: parseTemplateDiff(result.stdout), preview: result.stdout };
}

const input = z
  .object({
    template: workspacePath.describe("Template file or directory, e.g. omni/cluster.yaml."),
  })
  .strict();

export default defineTool({
  name: "template-sync",
  title: "Sync an Omni cluster template",
  description:
    "Make Omni match a workspace cluster template (omnictl cluster template sync); the plan is the diff. The way to change Omni-managed clusters: template-validate first, template-status after.",
  toolset: "omni",
  risk: "mutate",
  minRole: "operator",
  openWorld: true,
  rules: ["omni-reconcile", "workspace-paths", "destructive-explicit"],
  timeoutMs: 10 * 60_000,
  input,
  async plan(args, ctx) {
    const template = await resolveTemplate(ctx, args.template);
    const { diff, preview } = await diffTemplate(ctx, template.path);
    const losing = destructiveTeardowns(diff);
    const clusters = template.clusters.join(", ") || relative(ctx.workspace.root, template.path);
    const counts = `${diff.creates.length} to create, ${diff.updates.length} to update, ${diff.teardowns.length} to tear down`;
    return {
      summary: `Sync Omni cluster template for ${clusters}: ${counts}`,
      commands: [["omnictl", "cluster", "template", "sync", ...templateFlags(ctx, template.path)]],
      targets: [...diff.creates, ...diff.updates, ...diff.teardowns].map(describeRef),
      impact: [
        ...(diff.creates.length ? [`creates ${diff.creates.map(describeRef).join(", ")}`] : []),
        ...(diff.updates.length ? [`updates ${diff.updates.map(describeRef).join(", ")} (Omni rolls the change out to the machines)`] : []),
        ...(diff.teardowns.length ? [`tears down ${diff.teardowns.map(describeRef).join(", ")}`] : []),
        ...(losing.length ? ["machines leave the cluster and are wiped; a cluster teardown destroys its etcd data"] : []),
        ...(diff.creates.length + diff.updates.length + diff.teardowns.length === 0 ? ["no change: Omni already matches the template"] : []),
      ],
      preview,
      boundPreview: boundDiff(preview),
      ...(losing.length ? { destructive: true, typedConfirmation: template.clusters[0] ?? relative(ctx.workspace.root, template.path) } : {}),
    };
  },
  async run(args, ctx) {
    const template = await resolveTemplate(ctx, args.template);
    const result = await runOmnictl(ctx, ["cluster", "template", "sync", ...templateFlags(ctx, template.path)], "omnictl cluster template sync");
    const actions = parseSyncActions(result.stdout);
    return {
      structured: { clusters: template.clusters, actions },
      text: `${actions.length ? actions.map((a) => `${a.action} ${a.resource}`).join("\n") : "No change: Omni already matched the template."}\nNext: template-status to wait until the cluster is ready.`,
    };
  },
});
