// Fake tools for tests: a read tool that waits (until its time is up or the call is cancelled)
// and counts how many calls ran at once and how many were cancelled; and stand-in mutations that
// record in `ran` what they did, so a test can prove that nothing ran when consent was refused or
// is still pending.
import { z } from "zod";
import { defineTool } from "../../src/server/tool-spec.js";

export function waitingTool(name = "fake-slow") {
  const stats = { cancelled: 0, inFlight: 0, maxInFlight: 0, started: 0 };
  const tool = defineTool({
    name,
    title: "Slow",
    description: "waits until cancelled",
    toolset: "talos",
    risk: "read",
    minRole: "reader",
    openWorld: false,
    rules: [],
    input: z.object({ seconds: z.number().describe("s") }).strict(),
    async run(args, ctx) {
      stats.started += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await ctx.progress("started", 1, 2);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, args.seconds * 1000);
          ctx.signal.addEventListener("abort", () => {
            stats.cancelled += 1;
            clearTimeout(timer);
            resolve();
          });
        });
      } finally {
        stats.inFlight -= 1;
      }
      return { structured: { done: true } };
    },
  });
  return { tool, stats };
}

export function fakeMutations(ran: string[]) {
  const reboot = defineTool({
    name: "fake-reboot",
    title: "Fake reboot",
    description: "mutates",
    toolset: "lifecycle",
    risk: "mutate",
    minRole: "operator",
    openWorld: false,
    rules: ["quorum"],
    input: z.object({ node: z.string().describe("node") }).strict(),
    plan: async (args) => ({
      summary: `Reboot ${args.node}`,
      commands: [["talosctl", "reboot", "--nodes", args.node]],
      targets: [args.node],
      impact: ["the node reboots"],
      preview: `reboot <b>${args.node}</b>`,
    }),
    run: async (args) => {
      ran.push(`reboot ${args.node}`);
      return { structured: { rebooted: args.node } };
    },
  });
  const reset = defineTool({
    name: "fake-reset",
    title: "Fake reset",
    description: "destroys",
    toolset: "lifecycle",
    risk: "destructive",
    minRole: "admin",
    openWorld: false,
    rules: ["destructive-explicit"],
    input: z.object({ node: z.string().describe("node") }).strict(),
    plan: async (args) => ({ summary: `WIPE ${args.node}`, commands: [["talosctl", "reset"]], targets: [args.node], impact: ["data loss"], typedConfirmation: args.node, destructive: true }),
    run: async (args) => {
      ran.push(`reset ${args.node}`);
      return { structured: { reset: args.node } };
    },
  });
  return { reboot, reset };
}
