// The mcpchecker front end: generated from the task definitions (and current), and valid against
// JSON schemas written from mcpchecker's published documentation (its Go module is not served
// here, so the schemas stand in for its loader).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadTasks } from "../../../src/eval/definition.js";
import { MCPCHECKER_DIR, staleFiles, TASK_FILE } from "../../../src/eval/mcpchecker.js";

const tasks = loadTasks();
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const schema = (name: string): ValidateFunction => ajv.compile(JSON.parse(readFileSync(join(MCPCHECKER_DIR, "schema", name), "utf8")));
const taskSchema = schema("task.schema.json");
const evalSchema = schema("eval.schema.json");
const mcpConfigSchema = schema("mcp-config.schema.json");
const yamlFile = (path: string) => parseYaml(readFileSync(path, "utf8")) as Record<string, any>;
const errors = (validate: ValidateFunction) => ajv.errorsText(validate.errors);

describe("generated mcpchecker files", () => {
  it("are current: `talos-mcp eval generate` writes nothing new", () => {
    expect(staleFiles(tasks), "run `node dist/src/cli.js eval generate` and commit the result").toEqual([]);
  });

  it.each(tasks.map((t) => [t.id, t] as const))("%s: task.yaml is a valid v1alpha2 task carrying the definition's prompt and calling eval", (_id, task) => {
    const document = yamlFile(join(task.dir, TASK_FILE));
    expect(taskSchema(document), errors(taskSchema)).toBe(true);
    expect(document.metadata).toMatchObject({ name: task.name, difficulty: task.difficulty, labels: { suite: task.suite } });
    expect(document.spec.prompt.inline).toBe(task.prompt);
    const script = (phase: string) => document.spec[phase].map((step: { script: { inline: string } }) => step.script.inline).join("\n");
    expect(script("setup")).toContain(`eval setup ${task.id} --dir`);
    expect(script("verify")).toContain(`eval verify ${task.id} --dir`);
    expect(document.spec.verify[0].script.env).toEqual({ TALOS_MCP_AGENT_OUTPUT: "{agent.output}" });
    expect(script("cleanup")).toContain("eval teardown --dir");
  });

  it("eval.yaml is a valid eval file with one task set per task, each pointing at its task.yaml", () => {
    const document = yamlFile(join(MCPCHECKER_DIR, "eval.yaml"));
    expect(evalSchema(document), errors(evalSchema)).toBe(true);
    const paths = document.config.taskSets.map((set: { path: string }) => resolve(MCPCHECKER_DIR, set.path));
    expect(paths).toEqual(tasks.map((task) => join(task.dir, TASK_FILE)));
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    expect(existsSync(resolve(MCPCHECKER_DIR, document.config.mcpConfigFile))).toBe(true);
    const withAssertions = document.config.taskSets.filter((set: { assertions?: unknown }) => set.assertions);
    expect(withAssertions.length).toBe(tasks.filter((task) => task.assertions).length);
    for (const set of withAssertions) for (const list of ["toolsUsed", "requireAny", "toolsNotUsed"]) for (const item of set.assertions[list] ?? []) expect(item.server).toBe("talos");
  });

  it("the MCP configs (stdio through eval connect, HTTP) are valid and name the server the assertions use", () => {
    for (const name of ["mcp-config.stdio.yaml", "mcp-config.http.yaml"]) {
      const document = yamlFile(join(MCPCHECKER_DIR, name));
      expect(mcpConfigSchema(document), `${name}: ${errors(mcpConfigSchema)}`).toBe(true);
      expect(Object.keys(document.mcpServers)).toEqual(["talos"]);
    }
    expect(yamlFile(join(MCPCHECKER_DIR, "mcp-config.stdio.yaml")).mcpServers.talos).toMatchObject({ command: "talos-mcp", args: ["eval", "connect"] });
    expect(yamlFile(join(MCPCHECKER_DIR, "mcp-config.http.yaml")).mcpServers.talos.url).toMatch(/\/mcp}?$/);
  });

  it("every task's directory holds exactly its definition, scripts and generated task file", () => {
    for (const task of tasks) expect(["bad.yaml", "definition.yaml", "reference.yaml", TASK_FILE].every((file) => existsSync(join(task.dir, file)))).toBe(true);
  });
});

describe("the schemas are not vacuous", () => {
  const valid = yamlFile(join(tasks[0]!.dir, TASK_FILE));
  const variant = (change: (task: Record<string, any>) => void) => {
    const copy = structuredClone(valid);
    change(copy);
    return taskSchema(copy);
  };
  it("accepts the documented shapes", () => {
    expect(variant((t) => (t.spec.verify = [{ llmJudge: { contains: "the pod runs" } }, { http: { url: "http://x", expect: { status: 200 } } }]))).toBe(true);
    expect(variant((t) => (t.spec.setup = [{ "k8s.create": { kind: "Namespace" } }]))).toBe(true);
    expect(variant((t) => (t.spec.prompt = { file: "prompt.md" }))).toBe(true);
    expect(variant((t) => Object.assign(t.metadata, { parallel: true, runs: 3 }))).toBe(true);
  });
  it("refuses what the documentation does not allow", () => {
    expect(variant((t) => (t.apiVersion = "mcpchecker/v1alpha1"))).toBe(false);
    expect(variant((t) => delete t.spec.verify)).toBe(false);
    expect(variant((t) => (t.spec.verify = []))).toBe(false);
    expect(variant((t) => (t.spec.setup = [{ llmJudge: { contains: "x" } }]))).toBe(false);
    expect(variant((t) => (t.spec.setup = [{ script: { inline: "x", file: "y" } }]))).toBe(false);
    expect(variant((t) => (t.spec.setup = [{ script: { inline: "x" }, http: { url: "y" } }]))).toBe(false);
    expect(variant((t) => (t.spec.setup[0].script.timeout = "five minutes"))).toBe(false);
    expect(variant((t) => (t.metadata.difficulty = "trivial"))).toBe(false);
    expect(variant((t) => (t.metadata.labels = { suite: 1 }))).toBe(false);
    expect(variant((t) => (t.spec.prompt = { inline: "a", file: "b" }))).toBe(false);
    expect(variant((t) => (t.spec.bogus = true))).toBe(false);
  });
  it("the eval and MCP config schemas refuse what their documentation does not allow", () => {
    const evalFile = yamlFile(join(MCPCHECKER_DIR, "eval.yaml"));
    expect(evalSchema({ ...evalFile, kind: "Task" })).toBe(false);
    expect(evalSchema({ ...evalFile, config: { ...evalFile.config, taskSets: [{ path: "a", glob: "b" }] } })).toBe(false);
    expect(evalSchema({ ...evalFile, config: { ...evalFile.config, taskSets: [{ path: "a", assertions: { toolsUsed: [{ tool: "x" }] } }] } })).toBe(false);
    expect(evalSchema({ ...evalFile, config: { ...evalFile.config, taskSets: [{ path: "a", assertions: { maxToolCallz: 3 } }] } })).toBe(false);
    expect(mcpConfigSchema({ mcpServers: { talos: { args: ["x"] } } })).toBe(false);
    expect(mcpConfigSchema({ servers: {} })).toBe(false);
  });
});
