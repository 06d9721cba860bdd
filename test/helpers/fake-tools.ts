// Fake tools for transport tests: a read tool that waits (until its time is up or the call is
// cancelled) and counts how many calls ran at once and how many were cancelled.
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
