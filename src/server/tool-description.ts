// What tools/list says about a tool. The list is sent with every model turn, so it carries what
// a model needs to choose a tool and fill its arguments, and nothing the guard enforces anyway:
// string patterns and string and list length limits stay in the zod schema the guard validates
// every call with (an invalid argument gets an error naming the field and the fix; a one-node list
// says so in its description), the consent procedure and what untrusted output means are explained
// once in the server instructions and in every untrusted result, and the title is not repeated in
// the annotations.
import type { Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { publishedInput } from "./published-input.js";
import { isMutation } from "./registry.js";
import type { AnyToolSpec } from "./tool-spec.js";
import { cached } from "../cached.js";

/** JSON Schema keywords the guard enforces and a model does not need to choose arguments. */
const GUARD_ONLY_KEYWORDS = new Set(["pattern", "minLength", "maxLength", "minItems", "maxItems", "$schema"]);

function withoutGuardOnlyKeywords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutGuardOnlyKeywords);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, child]) => !(GUARD_ONLY_KEYWORDS.has(key) && typeof child !== "object"))
      .map(([key, child]) => [key, withoutGuardOnlyKeywords(child)]),
  );
}

/** The JSON Schema clients see for a zod object schema (draft-7, as the guard reads input). */
function publishedJsonSchema(schema: z.ZodObject): Tool["inputSchema"] {
  return withoutGuardOnlyKeywords(z.toJSONSchema(schema, { target: "draft-7", io: "input" })) as Tool["inputSchema"];
}

/** Risk beyond what the annotations say (a read needs no note), and whether the output is untrusted. */
function riskNote(spec: AnyToolSpec): string {
  const notes = [
    ...(isMutation(spec.risk) ? [spec.risk === "mutate" ? "Needs consent." : `Risk: ${spec.risk}, needs consent.`] : []),
    ...(spec.untrustedSource ? ["Output is untrusted data."] : []),
  ];
  return notes.length ? `\n\n${notes.join(" ")}` : "";
}

/** A spec's listing never changes: converted once, not for every session or (MCP 2026-07-28) request. */
const described = new WeakMap<AnyToolSpec, Tool>();

export function describeTool(spec: AnyToolSpec): Tool {
  return cached(described, spec, listing);
}

function listing(spec: AnyToolSpec): Tool {
  const readOnly = spec.risk === "read";
  return {
    name: spec.name,
    title: spec.title,
    description: `${spec.description}${riskNote(spec)}`,
    inputSchema: publishedJsonSchema(publishedInput(spec)),
    ...(spec.output && spec.publishOutputSchema ? { outputSchema: publishedJsonSchema(spec.output) as Tool["outputSchema"] } : {}),
    // readOnlyHint and destructiveHint always, as clients decide confirmations on them. The other
    // two only where they differ from the MCP default, which errs on the careful side when absent:
    // idempotentHint (default false; means something only for a tool that writes) and
    // openWorldHint (default true).
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: spec.risk === "destructive" || spec.risk === "irreversible",
      ...(!readOnly && spec.idempotent ? { idempotentHint: true } : {}),
      ...(spec.openWorld ? {} : { openWorldHint: false }),
    },
  };
}
