// bootstrap: start etcd on ONE control-plane node, exactly once per cluster (rule bootstrap-once).
// Talos checks only the node it is asked (a second control-plane node would happily start a second
// etcd cluster), so before anything runs every control-plane node is checked live, and the
// server's ledger of bootstraps is consulted. "Already bootstrapped" is an answer, never a retry.
import { z } from "zod";
import { PolicyDenied, ToolError } from "../src/server/errors.js";
import { cliMessage } from "../src/server/cli-errors.js";
import { defineTool, type ToolContext } from "../src/server/tool-spec.js";
import { describeMachine, describeTarget } from "../src/talos/identity.js";
import { assertNotOmniManaged, controlPlaneMachines, etcdIsUp, machineEtcdEvidence, machineType } from "../src/talos/live-checks.js";
import { nodeList, requireEndpoints, resolveTarget, targetFields, type LiveTarget } from "../src/talos/targets.js";

const input = z.object({ ...targetFields, nodes: nodeList(1).describe("The ONE control-plane node.") }).strict();

const ALREADY = /AlreadyExists|etcd data directory is not empty/;

/** Every reason this cluster must not be bootstrapped now, with the evidence. */
export async function assertNeverBootstrapped(ctx: ToolContext, target: LiveTarget, node: string): Promise<void> {
  const ledger = (await target.state.read()).bootstraps;
  if (ledger.length > 0) {
    const last = ledger[ledger.length - 1]!;
    throw new PolicyDenied("bootstrap-once", `this server already bootstrapped ${target.id} (${last.outcome} on ${last.node} at ${last.at})`, "check etcd-status and health; bootstrap is never repeated");
  }
  const type = await machineType(ctx, target, node);
  if (type === "worker") throw new PolicyDenied("bootstrap-once", `${node} is a worker; bootstrap runs on a control-plane node`, "pick a control-plane node");
  // Machines, not names: a control plane listed under two names is checked (and counted) once.
  const { self, machines } = await controlPlaneMachines(ctx, target, node);
  const evidence = await machineEtcdEvidence(ctx, target, machines);
  const running = evidence.filter((item) => item.up);
  if (running.length > 0) {
    const up = (item: (typeof evidence)[number]) => item.answers.find(etcdIsUp)!;
    throw new PolicyDenied(
      "bootstrap-once",
      `etcd already runs on ${running.map((item) => `${describeMachine(item.machine)} (STATE ${up(item).state}, HEALTH ${up(item).health})`).join(", ")}: the cluster is bootstrapped${running.some((item) => item.machine !== self) ? `; bootstrapping ${describeTarget(node, self)} would start a second, split etcd cluster` : ""}`,
      "do not bootstrap again; check etcd-status and health",
    );
  }
  const unknown = evidence.filter((item) => item.answers.every((answer) => answer.error !== undefined));
  if (unknown.length > 0) {
    throw new PolicyDenied(
      "bootstrap-once",
      `cannot verify etcd on ${unknown.map((item) => `${describeMachine(item.machine)} (${item.answers[0]?.error ?? "no answer"})`).join(", ")}; bootstrap needs every control-plane node checked`,
      "make those nodes reachable (or correct the node list), then try once",
    );
  }
}

export default defineTool({
  name: "bootstrap",
  title: "Bootstrap etcd (once)",
  description:
    "Bootstrap etcd on ONE control-plane node (talosctl bootstrap), once per cluster, after every control plane has its config. Never retry: 'already bootstrapped' is final.",
  toolset: "talos",
  risk: "irreversible",
  minRole: "admin",
  openWorld: true,
  rules: ["bootstrap-once", "destructive-explicit", "omni-reconcile"],
  input,
  async preflight(args, ctx) {
    const target = await resolveTarget(args, ctx);
    await assertNotOmniManaged(ctx, target, args.nodes);
    requireEndpoints(target);
    await assertNeverBootstrapped(ctx, target, args.nodes[0]!);
  },
  async plan(args) {
    const node = args.nodes[0]!;
    return {
      summary: `Bootstrap etcd on ${node}`,
      commands: [["talosctl", "bootstrap", "--nodes", node]],
      targets: [node],
      impact: [`etcd starts on ${node}; the other control-plane nodes join it`, "runs once per cluster and cannot be undone: a second bootstrap would split etcd"],
      typedConfirmation: node,
    };
  },
  async run(args, ctx) {
    const target = await resolveTarget(args, ctx);
    const node = args.nodes[0]!;
    const result = await ctx.cli.run("talosctl", ["bootstrap"], { target: { ...target.cli, nodes: [node] } });
    const at = new Date().toISOString();
    if (result.exitCode !== 0) {
      const message = cliMessage(result);
      if (ALREADY.test(message)) {
        await target.state.update((state) => void state.bootstraps.push({ node, at, outcome: "already-bootstrapped" }));
        throw new ToolError(`${node} is already bootstrapped (its etcd data directory is not empty); nothing changed`, {
          cliMessage: message,
          next: "do not retry bootstrap; check etcd-status and health",
        });
      }
      throw new ToolError(`talosctl bootstrap failed on ${node}; it was not retried`, { cliMessage: message, exitCode: result.exitCode, next: "read the message; fix the cause before deciding to try once more" });
    }
    await target.state.update((state) => void state.bootstraps.push({ node, at, outcome: "bootstrapped" }));
    return {
      structured: { node, bootstrappedAt: at, next: "run health through this node, then kubeconfig and etcd-backup" },
      text: `Bootstrapped etcd on ${node}. Do not bootstrap again. Next: health, then kubeconfig and etcd-backup.`,
    };
  },
});
