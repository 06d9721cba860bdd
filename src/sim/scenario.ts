// Scenario files: which nodes a simulated cluster has, in which stage, and which faults to inject.
// Validated strictly; every problem names its field.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isIP } from "node:net";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { talosVersion } from "../server/schemas.js";
import { omniScenarioSchema, type OmniScenario } from "./omni/scenario.js";

const SCENARIO_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));

const faults = z
  .object({
    unreachable: z.boolean().optional().describe("the node does not answer (connection refused)"),
    slowMs: z.number().int().min(0).max(60_000).optional().describe("delay added to every answer"),
    etcdDown: z.boolean().optional().describe("the node's etcd member is down"),
    timeNotSynced: z.boolean().optional().describe("the node's clock is not synchronised"),
    flapping: z.boolean().optional().describe("every other call that reaches the node fails as unreachable (a flapping link)"),
  })
  .strict();

const node = z
  .object({
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a hostname like cp-1"),
    address: z.string().refine((a) => isIP(a) === 4 && a.startsWith("127."), "must be an IPv4 loopback address (127.0.0.0/8)"),
    role: z.enum(["controlplane", "worker"]),
    faults: faults.optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    talosVersion: talosVersion.default("v1.12.6"),
    kubernetesVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a Kubernetes version like 1.35.2").default("1.35.2"),
    clusterName: z.string().regex(/^[a-z0-9-]+$/).default("sim"),
    stage: z.enum(["maintenance", "installed", "running"]).describe("maintenance: fresh boot, no config; installed: configured, not bootstrapped; running: bootstrapped"),
    omniManaged: z.boolean().default(false),
    /** How long a waiting control plane takes to join a bootstrapped etcd. */
    joinDelayMs: z.number().int().min(0).max(60_000).default(1_500),
    nodes: z.array(node).min(1).max(32),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>();
    scenario.nodes.forEach((n, i) => {
      for (const key of [n.name, n.address]) {
        if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["nodes", i], message: `duplicate node name or address '${key}'` });
        seen.add(key);
      }
    });
    if (!scenario.nodes.some((n) => n.role === "controlplane")) ctx.addIssue({ code: "custom", path: ["nodes"], message: "needs at least one controlplane node" });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioNode = z.infer<typeof node>;

export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.replace(/\.yaml$/, ""))
    .sort();
}

function validated<T>(schema: z.ZodType<T>, raw: unknown, source: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === "unrecognized_keys" ? `${[...issue.path, issue.keys.join(", ")].join(".")}: unknown field` : `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`scenario ${source}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

export type AnyScenario = { kind: "talos"; scenario: Scenario } | { kind: "omni"; scenario: OmniScenario };

/** A Talos scenario, or an Omni one (a scenario with an `omni:` section). */
export function parseAnyScenario(text: string, source: string): AnyScenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new Error(`scenario ${source}: not valid YAML (${(error as Error).message})`);
  }
  if (raw && typeof raw === "object" && "omni" in raw) return { kind: "omni", scenario: validated(omniScenarioSchema, raw, source) };
  return { kind: "talos", scenario: validated(scenarioSchema, raw, source) };
}

export function parseScenario(text: string, source: string): Scenario {
  const parsed = parseAnyScenario(text, source);
  if (parsed.kind !== "talos") throw new Error(`scenario ${source} is an Omni scenario; start it with talos-mcp sim up (it runs a simulated Omni)`);
  return parsed.scenario;
}

function scenarioText(nameOrFile: string): { text: string; source: string } {
  const builtin = `${SCENARIO_DIR}${nameOrFile}.yaml`;
  if (/^[a-z0-9-]+$/.test(nameOrFile) && existsSync(builtin)) return { text: readFileSync(builtin, "utf8"), source: nameOrFile };
  if (existsSync(nameOrFile)) return { text: readFileSync(nameOrFile, "utf8"), source: nameOrFile };
  throw new Error(`unknown scenario '${nameOrFile}': use one of ${listScenarios().join(", ")} or a YAML file path`);
}

/** A built-in scenario name or a path to a YAML file, Talos or Omni. */
export function loadAnyScenario(nameOrFile: string): AnyScenario {
  const { text, source } = scenarioText(nameOrFile);
  return parseAnyScenario(text, source);
}

/** A built-in Talos scenario name or a path to a YAML file. */
export function loadScenario(nameOrFile: string): Scenario {
  const { text, source } = scenarioText(nameOrFile);
  return parseScenario(text, source);
}
