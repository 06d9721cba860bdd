// The input schema a tool publishes and the guard validates: the tool's own, plus the consent
// fields for mutations. Apart from the guard so that describing a tool (tools/list, the build's
// tool manifest) does not load the guard and everything a call needs.
import { z } from "zod";
import { cached } from "../cached.js";
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

/** Mutations' schemas with the consent fields, built once per spec (see publishedInput). */
const withConsentFields = new WeakMap<AnyToolSpec, z.ZodObject>();

/**
 * The input schema a tool publishes: its own, plus the consent fields for mutations. The guard
 * validates every call with it; a zod schema built anew for each call is compiled again at its
 * first parse (≈0.2 ms a mutation call, against ≈0.01 ms with the schema kept).
 */
export function publishedInput(spec: AnyToolSpec): z.ZodObject {
  return isMutation(spec.risk) ? cached(withConsentFields, spec, (mutation) => mutation.input.extend(consentFields)) : spec.input;
}

