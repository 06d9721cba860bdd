// Eval task definitions: eval/tasks/<suite>/<task>/definition.yaml is the one source of a task —
// the user's request, the setup (scenario, server settings, state changes), the success checks
// and forbidden outcomes, and the runner assertions. `talos-mcp eval` runs it; the mcpchecker
// task.yaml next to it is generated from it (src/eval/mcpchecker.ts).
import { EvalInputError, parseYamlInput } from "./errors.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ROLES } from "../server/roles.js";
import { talosVersion } from "../server/schemas.js";
import { RULE_IDS } from "../policy/rule-ids.js";
import { PACKAGE_ROOT } from "../server/package-info.js";
import { checkSchema, type Check } from "./checks.js";

const TASKS_DIR = join(PACKAGE_ROOT, "eval", "tasks");
const DEFINITION_FILE = "definition.yaml";

const nodeName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a node name of the scenario, e.g. cp-1");
const workspaceFile = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith("/") && !path.split("/").includes(".."), "must be a path inside the workspace, e.g. omni/prod.yaml");

/** State changes made before the agent starts; nothing they do shows in the agent's audit log. */
const setupActionSchema = z.union([
  z
    .object({
      createCluster: z
        .object({
          name: z.string().regex(/^[a-z0-9-]+$/),
          controlPlanes: z.array(nodeName).min(1),
          workers: z.array(nodeName).default([]),
          bootstrap: z.boolean().default(true),
        })
        .strict()
        .describe("gen-config + apply (maintenance mode) + bootstrap once + health, through the tools: a cluster in the workspace"),
    })
    .strict(),
  z.object({ call: z.object({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) }).strict().describe("one tool call (consent granted)") }).strict(),
  z.object({ wipeEtcd: z.array(nodeName).min(1).describe("these control planes lose their etcd data (etcd waits to be bootstrapped), as after quorum loss and a wipe") }).strict(),
  z.object({ snapshot: z.object({ node: nodeName, to: workspaceFile }).strict().describe("the etcd snapshot the node would serve now, saved into the workspace") }).strict(),
  z
    .object({ talosVersion: z.object({ nodes: z.array(nodeName).min(1), version: talosVersion }).strict().describe("these nodes already run this Talos version (upgraded earlier)") })
    .strict(),
  z.object({ file: z.object({ path: workspaceFile, content: z.string() }).strict().describe("a file in the workspace") }).strict(),
  z
    .object({ linkOutside: z.object({ path: workspaceFile, files: z.record(z.string(), z.string()) }).strict().describe("a symlink in the workspace to a directory outside it, holding these files") })
    .strict(),
  z.object({ context: z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/) }).strict().describe("another context in the server's talosconfig (not allowlisted)") }).strict(),
]);
export type SetupAction = z.infer<typeof setupActionSchema>;

const serverSchema = z
  .object({
    consent: z.enum(["elicit", "plan", "deny", "auto"]).default("plan"),
    role: z.enum(ROLES).default("admin"),
    readOnly: z.boolean().default(false),
    allowUnconfirmedDestructive: z.boolean().default(true),
  })
  .strict();

/** A tool of this server (the generated eval file adds the server's name). */
const toolAssertion = z
  .object({ tool: z.string().optional(), toolPattern: z.string().optional() })
  .strict()
  .refine((a) => (a.tool === undefined) !== (a.toolPattern === undefined), "give tool or toolPattern");

/** mcpchecker assertions (docs: use-assertions.md) put on this task's task set in eval.yaml. */
const assertionsSchema = z
  .object({
    toolsUsed: z.array(toolAssertion).optional(),
    requireAny: z.array(toolAssertion).optional(),
    toolsNotUsed: z.array(toolAssertion).optional(),
    minToolCalls: z.number().int().min(0).optional(),
    maxToolCalls: z.number().int().min(1).optional(),
  })
  .strict();

const definitionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be kebab-case and equal the task's directory name"),
    difficulty: z.enum(["easy", "medium", "hard"]),
    covers: z
      .object({
        rules: z.array(z.enum(RULE_IDS)).default([]),
        workflows: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]).describe("prompts/*.md names this task exercises"),
      })
      .strict(),
    prompt: z.string().min(20, "the user's request: what an operator would type"),
    setup: z
      .object({
        scenario: z.string().min(1).describe("a built-in scenario, or a file in eval/scenarios/ (e.g. eval/scenarios/etcd-lost.yaml)"),
        server: serverSchema.default(serverSchema.parse({})),
        actions: z.array(setupActionSchema).default([]),
      })
      .strict(),
    checks: z.array(checkSchema).min(1, "a task needs at least one success check: without one, doing nothing would pass"),
    forbidden: z.array(checkSchema).default([]),
    assertions: assertionsSchema.optional(),
  })
  .strict()
  .superRefine((definition, ctx) => {
    const ids = [...definition.checks, ...definition.forbidden].map((check) => check.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) ctx.addIssue({ code: "custom", path: ["checks"], message: `check id '${id}' is used twice` });
    });
  });

export type TaskDefinition = z.infer<typeof definitionSchema>;

export interface EvalTask extends TaskDefinition {
  suite: string;
  /** `suite/name`. */
  id: string;
  dir: string;
}

export class TaskError extends EvalInputError {
  override name = "TaskError";
}

export function parseDefinition(text: string, source: string): TaskDefinition {
  return parseYamlInput(definitionSchema, text, source, (message) => new TaskError(message));
}

function loadTaskFrom(dir: string, suite: string): EvalTask {
  const file = join(dir, DEFINITION_FILE);
  const definition = parseDefinition(readFileSync(file, "utf8"), file);
  const name = dir.split("/").pop()!;
  if (definition.name !== name) throw new TaskError(`${file}: name '${definition.name}' must equal the directory name '${name}'`);
  return { ...definition, suite, id: `${suite}/${name}`, dir };
}

/** The directories that hold a task definition: [suite, name, dir]. */
function taskDirs(root: string): [string, string, string][] {
  return readdirSync(root, { withFileTypes: true })
    .filter((suite) => suite.isDirectory())
    .flatMap((suite) =>
      readdirSync(join(root, suite.name), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(root, suite.name, entry.name, DEFINITION_FILE)))
        .map((entry): [string, string, string] => [suite.name, entry.name, join(root, suite.name, entry.name)]),
    );
}

/** Every task, sorted by id. */
export function loadTasks(root = TASKS_DIR): EvalTask[] {
  const tasks = taskDirs(root).map(([suite, , dir]) => loadTaskFrom(dir, suite));
  const names = tasks.map((task) => task.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new TaskError(`two tasks are named ${duplicate}: task names are unique across suites`);
  return tasks.sort((a, b) => a.id.localeCompare(b.id));
}

/** A task by name or suite/name (only that definition is read), with the way to list them when it does not exist. */
export function findTask(reference: string, root = TASKS_DIR): EvalTask {
  const dirs = taskDirs(root);
  const found = dirs.find(([suite, name]) => name === reference || `${suite}/${name}` === reference);
  if (!found) throw new TaskError(`unknown task '${reference}': see talos-mcp eval list (${dirs.length} tasks)`);
  return loadTaskFrom(found[2], found[0]);
}

/** The scenario to start: a built-in name, or a file path relative to the package (eval/scenarios/…). */
export function scenarioFor(task: Pick<EvalTask, "setup">): string {
  const { scenario } = task.setup;
  return scenario.includes("/") ? resolve(PACKAGE_ROOT, scenario) : scenario;
}

/** Whether any check reads the agent's answer (verify then needs it). */
export function readsAnswer(task: Pick<TaskDefinition, "checks" | "forbidden">): boolean {
  const sources = (check: Check): string[] => ("order" in check ? [check.order.first.from, check.order.then.from] : [check.from]);
  return [...task.checks, ...task.forbidden].some((check) => sources(check).includes("answer"));
}
