// Omni scenarios: the machines registered with the simulated Omni (with their labels and Talos
// versions) and the clusters that already exist. Validated strictly; every problem names its field.
import { createHash } from "node:crypto";
import { z } from "zod";
import { talosVersion } from "../../server/schemas.js";

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lower-case name like m-1");

const machine = z
  .object({
    name,
    id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a lower-case machine UUID").optional(),
    talosVersion: talosVersion.default("v1.12.6"),
    labels: z.record(z.string().regex(/^[A-Za-z0-9./_-]{1,63}$/, "label keys use letters, digits, '.', '/', '_', '-'"), z.string().max(63)).default({}),
    /** Fault: the machine's SideroLink tunnel is down; it never becomes ready and its Talos API does not answer. */
    connected: z.boolean().default(true),
  })
  .strict();

const cluster = z
  .object({
    name,
    talosVersion: talosVersion.default("v1.12.6"),
    kubernetesVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a Kubernetes version like 1.35.2").default("1.35.2"),
    controlPlanes: z.array(name).min(1),
    workers: z.array(name).default([]),
  })
  .strict();

export const omniScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    omni: z
      .object({
        instanceName: name.default("sim-omni"),
        /** Time a machine takes from allocation (or a spec change) to ready. */
        readyAfterMs: z.number().int().min(0).max(120_000).default(2_000),
        /** Whether the service account may download break-glass (operator) talosconfigs. */
        breakGlass: z.boolean().default(false),
        machines: z.array(machine).min(1).max(64),
        clusters: z.array(cluster).default([]),
      })
      .strict(),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const machines = new Set<string>();
    scenario.omni.machines.forEach((m, i) => {
      if (machines.has(m.name)) ctx.addIssue({ code: "custom", path: ["omni", "machines", i, "name"], message: `duplicate machine '${m.name}'` });
      machines.add(m.name);
    });
    const used = new Set<string>();
    scenario.omni.clusters.forEach((c, i) => {
      for (const [role, list] of [["controlPlanes", c.controlPlanes], ["workers", c.workers]] as const) {
        list.forEach((m, j) => {
          if (!machines.has(m)) ctx.addIssue({ code: "custom", path: ["omni", "clusters", i, role, j], message: `no machine named '${m}' in omni.machines` });
          if (used.has(m)) ctx.addIssue({ code: "custom", path: ["omni", "clusters", i, role, j], message: `machine '${m}' is already in a cluster` });
          used.add(m);
        });
      }
    });
  });

export type OmniScenario = z.infer<typeof omniScenarioSchema>;
export type OmniScenarioMachine = z.infer<typeof machine>;

/** A stable machine UUID for a machine without one (the sim's stand-in for the SMBIOS UUID). */
export function machineUuid(machine: { name: string; id?: string }): string {
  if (machine.id) return machine.id;
  const hex = createHash("sha256").update(`talos-mcp-sim:${machine.name}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
