// A scripted agent: a fixed list of tool calls (and resource reads) sent through a real MCP client
// to the task's server, and the answer it ends with. Every task has two: a reference run that
// must pass verify and a bad run that must fail it, so no task can pass vacuously.
//
// Consent as an agent meets it: `approve: true` presents a plan the server issued (its plan id, and
// the value a destructive plan asks to type back) — an agent approving its own plan under
// --consent plan;
// `elicit` is how the scripted user answers elicitation requests (absent: a client without
// elicitation).
import { EvalInputError, parseYamlInput } from "./errors.js";
import { existsSync, readFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport, type CallToolResult, type ElicitRequest, type ElicitResult } from "@modelcontextprotocol/client";
import { z } from "zod";
import { VERDICT_META_KEY } from "../server/verdict.js";
import { fillPlaceholders } from "./placeholders.js";
import type { RunInfo } from "./run-dir.js";

const stepSchema = z.union([
  z
    .object({
      tool: z.string().min(1),
      args: z.record(z.string(), z.unknown()).default({}),
      approve: z.boolean().optional().describe("approve and present the plan this call returns (default: the script's approve)"),
      save: z.string().regex(/^[a-z][a-zA-Z0-9]*$/).optional().describe("keep the structured result as {{saved.KEY…}} for later steps"),
    })
    .strict(),
  z.object({ resource: z.string().min(1) }).strict(),
]);

const scriptSchema = z
  .object({
    description: z.string().optional(),
    consent: z
      .enum(["auto", "plan", "elicit"])
      .optional()
      .describe("run the task's server with this consent mode instead of the task's: auto for scripts of tasks that do not test consent (one call per change)"),
    approve: z.boolean().default(false),
    elicit: z.enum(["accept", "decline"]).optional(),
    steps: z.array(stepSchema),
    answer: z.string().describe("the agent's final message to the user"),
    failsOn: z.array(z.string()).optional().describe("bad runs: the ids of exactly the checks this run must fail (tested)"),
  })
  .strict();
export type AgentScript = z.infer<typeof scriptSchema>;

export class ScriptError extends EvalInputError {
  override name = "ScriptError";
}

export function parseScript(text: string, source: string): AgentScript {
  return parseYamlInput(scriptSchema, text, `script ${source}`, (message) => new ScriptError(message));
}

export function loadScript(file: string): AgentScript {
  if (!existsSync(file)) throw new ScriptError(`script ${file} does not exist (give a file, or reference / bad for the task's own scripts)`);
  return parseScript(readFileSync(file, "utf8"), file);
}

/** One exchange of the scripted agent, as the transcript keeps it. */
export interface TranscriptEntry {
  time: string;
  request: { tool: string; args: Record<string, unknown> } | { resource: string };
  isError?: boolean;
  text: string;
  structured?: unknown;
}

type RequestedSchema = { properties?: Record<string, { title?: string }> };

/** The user's side of elicitation: accept (typing back the value the form asks for) or decline. */
export function elicitAnswer(mode: "accept" | "decline", schema: RequestedSchema): ElicitResult {
  if (mode === "decline") return { action: "decline" };
  const typedField = schema.properties?.typed;
  const typed = typedField ? /^Type (.+) to confirm$/.exec(typedField.title ?? "")?.[1] : undefined;
  return { action: "accept", content: { confirm: true, ...(typedField ? { typed: typed ?? "" } : {}) } };
}

/** A real MCP client to the run's server over Streamable HTTP; `onElicit` answers consent forms. */
export async function connectToRun(
  run: Pick<RunInfo, "url" | "headers">,
  onElicit?: (params: ElicitRequest["params"]) => ElicitResult | Promise<ElicitResult>,
  name = "talos-mcp-eval-script",
): Promise<Client> {
  const client = new Client({ name, version: "1" }, { capabilities: onElicit ? { elicitation: { form: {} } } : {} });
  if (onElicit) client.setRequestHandler("elicitation/create", (request) => onElicit(request.params));
  await client.connect(new StreamableHTTPClientTransport(new URL(run.url), { requestInit: { headers: run.headers } }));
  return client;
}

/** The scripted user's answers to consent forms. */
export const scriptedUser = (mode: "accept" | "decline") => (params: ElicitRequest["params"]) => elicitAnswer(mode, ((params as { requestedSchema?: RequestedSchema }).requestedSchema ?? {}));

const textOf = (result: { content?: unknown }) => ((result.content ?? []) as { text?: string }[]).map((item) => item.text ?? "").join("\n");

/**
 * A plan this agent may approve itself (--consent plan): its id from the result's verdict, and the
 * value a destructive plan asks to type back, read from the instructions the agent is shown.
 */
export function ownPlan(result: CallToolResult): { planId: string; confirm?: string } | undefined {
  const verdict = result._meta?.[VERDICT_META_KEY] as { decision?: string; planId?: string } | undefined;
  if (verdict?.decision !== "awaiting-own-approval" || !verdict.planId) return undefined;
  const confirm = /\band confirm: "([^"]*)"/.exec(textOf(result))?.[1];
  return { planId: verdict.planId, ...(confirm !== undefined ? { confirm } : {}) };
}

/** Runs the script's steps in order; returns the transcript. The answer is the script's. */
export async function runScript(client: Client, script: AgentScript, vars: Record<string, string>): Promise<TranscriptEntry[]> {
  const transcript: TranscriptEntry[] = [];
  const saved: Record<string, unknown> = {};
  const call = async (tool: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    const result = await client.callTool({ name: tool, arguments: args }, { timeout: 300_000 });
    transcript.push({ time: new Date().toISOString(), request: { tool, args }, isError: result.isError === true, text: textOf(result), structured: result.structuredContent });
    return result;
  };
  for (const raw of script.steps) {
    const step = fillPlaceholders(raw, { vars, saved });
    if ("resource" in step) {
      const result = await client.readResource({ uri: step.resource });
      transcript.push({ time: new Date().toISOString(), request: { resource: step.resource }, text: textOf({ content: result.contents }) });
      continue;
    }
    let result = await call(step.tool, step.args);
    const own = ownPlan(result);
    if ((step.approve ?? script.approve) && own) {
      result = await call(step.tool, { ...step.args, planId: own.planId, ...(own.confirm !== undefined ? { confirm: own.confirm } : {}) });
    }
    if (step.save) saved[step.save] = result.structuredContent;
  }
  return transcript;
}
