// The input schema a tool publishes and the guard validates: the tool's own, plus the consent
// fields for mutations. Apart from the guard so that describing a tool (tools/list, the build's
// tool manifest) does not load the guard and everything a call needs.
import { z } from "zod";
import { PLAN_ID_PATTERN } from "./approval-store.js";
import { isMutation } from "./registry.js";
import type { AnyToolSpec } from "./tool-spec.js";

/**
 * Fields the guard adds to every mutation's input: the consent handshake without elicitation. Not
 * described per tool (ten tools take them): the server instructions explain the procedure once,
 * and the plan result names the planId and confirm values to send.
 */
const consentFields = {
  planId: z
    .string()
    .regex(PLAN_ID_PATTERN, "must be the plan id a previous call of this tool returned, e.g. plan-abcdefghijklmnop")
    .optional(),
  confirm: z
    .string()
    .max(200)
    .optional(),
};

/** The input schema a tool publishes: its own, plus the consent fields for mutations. */
export function publishedInput(spec: AnyToolSpec): z.ZodObject {
  return isMutation(spec.risk) ? spec.input.extend(consentFields) : spec.input;
}

