// Stand-in mutations for tests of the guard and of consent: each records in `ran` what it did, so
// a test can prove that nothing ran when consent was refused or is still pending.
import { z } from "zod";
import { defineTool } from "../../src/server/tool-spec.js";

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
