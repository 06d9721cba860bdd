// Scenario files: which nodes a simulated cluster has, in which stage, and which faults to inject.
// Validated strictly; every problem names its field.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isIP } from "node:net";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { KUBERNETES_VERSION } from "../backends/kubernetes-binaries.js";
import { talosVersion } from "../server/schemas.js";
import { SECONDARY_LINK } from "./node-facts.js";
import { omniScenarioSchema, type OmniScenario } from "./omni/scenario.js";

const SCENARIO_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));

/** Services a crashLoop fault can hit (the ones whose failure leaves the Talos API up). */
export const CRASH_LOOP_SERVICES = ["kubelet", "etcd", "trustd"] as const;

/** An official extension as the Image Factory names it: siderolabs/iscsi-tools. */
const extensionName = z.string().regex(/^[a-z0-9-]+\/[a-z0-9][a-z0-9.-]*$/, "must be an extension name like siderolabs/iscsi-tools");

const faults = z
  .object({
    unreachable: z.boolean().optional().describe("the node does not answer (connection refused)"),
    slowMs: z.number().int().min(0).max(60_000).optional().describe("delay added to every answer"),
    etcdDown: z.boolean().optional().describe("the node's etcd member is down"),
    timeNotSynced: z.boolean().optional().describe("the node's clock is not synchronised: NTP does not answer"),
    flapping: z.boolean().optional().describe("every other call that reaches the node fails as unreachable (a flapping link)"),
    crashLoop: z.enum(CRASH_LOOP_SERVICES).optional().describe("this Talos service keeps crashing and restarting"),
    ephemeralFull: z.boolean().optional().describe("the EPHEMERAL volume (/var) is full"),
    linkDown: z.literal(SECONDARY_LINK, `must be '${SECONDARY_LINK}': the node's API is on eth0 (use unreachable for a node that cannot be reached)`).optional().describe("this link has no carrier"),
    missingExtensions: z.array(extensionName).min(1).optional().describe("extensions of the schematic the node lost (upgraded with an installer image without them)"),
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
    /** Official extensions of the schematic the nodes were installed from (Image Factory names). */
    extensions: z.array(extensionName).max(12).default([]),
    /** KubeSpan (network.kubespan.enabled): a WireGuard mesh between the nodes. */
    kubespan: z.boolean().default(false),
    /** A real Kubernetes API (kube-apiserver + etcd on loopback, from scripts/build-k8s) with the nodes registered. */
    kubernetes: z.boolean().default(false),
    /** How long a waiting control plane takes to join a bootstrapped etcd. */
    joinDelayMs: z.number().int().min(0).max(60_000).default(1_500),
    /** Up to 64 nodes: bench/sim-scale.mjs measures 50. */
    nodes: z.array(node).min(1).max(64),
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
    scenario.nodes.forEach((n, i) => {
      if (n.faults?.crashLoop === "etcd" && n.role !== "controlplane") ctx.addIssue({ code: "custom", path: ["nodes", i, "faults", "crashLoop"], message: "etcd runs on control planes only" });
      for (const [j, name] of (n.faults?.missingExtensions ?? []).entries()) {
        if (!scenario.extensions.includes(name)) ctx.addIssue({ code: "custom", path: ["nodes", i, "faults", "missingExtensions", j], message: `'${name}' is not in the scenario's extensions` });
      }
    });
    if (scenario.kubernetes) {
      if (scenario.stage !== "running") ctx.addIssue({ code: "custom", path: ["kubernetes"], message: "needs stage: running (the Kubernetes API starts with the simulation, already bootstrapped)" });
      const served = KUBERNETES_VERSION.split(".").slice(0, 2).join(".");
      if (!scenario.kubernetesVersion.startsWith(`${served}.`)) {
        ctx.addIssue({ code: "custom", path: ["kubernetesVersion"], message: `must be ${served}.x with kubernetes: true (the simulated API server is kube-apiserver v${KUBERNETES_VERSION})` });
      }
    }
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
