// Consent for mutations (rule destructive-explicit, DESIGN §5). Nothing that changes a cluster
// runs unless the user said yes: through elicitation when the client supports it, otherwise
// through a single-use plan token. Destructive and irreversible changes additionally need the
// target typed back, and are refused to clients that cannot ask the user unless the operator
// explicitly allowed it.
import type { Config } from "../config-types.js";
import { ConsentRefused } from "./errors.js";
import type { PlanTokenStore } from "./plan-tokens.js";
import type { MutationPlan } from "./tool-spec.js";

export interface ElicitAnswer {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}

/** How the guard reaches the user; implemented over the MCP session. */
export interface ConsentChannel {
  canElicit(): boolean;
  elicit(message: string, schema: ElicitSchema, timeoutMs: number): Promise<ElicitAnswer>;
}

/** A flat form: the only shapes the elicitation spec allows that we need. */
export interface ElicitSchema {
  type: "object";
  properties: Record<string, { type: "boolean"; title: string; description: string } | { type: "string"; title: string; description: string }>;
  required: string[];
}

export interface ConsentRequest {
  caller: string;
  tool: string;
  /** Tool arguments without the consent fields (planToken, confirm). */
  args: Record<string, unknown>;
  plan: MutationPlan;
  destructive: boolean;
  planToken?: string;
  confirm?: string;
}

export type ConsentOutcome =
  | { kind: "granted"; via: "elicitation" | "plan-token" | "auto" }
  | { kind: "plan-issued"; token: string; expiresAt: string };

const PREVIEW_LIMIT = 4_000;

export function describePlan(plan: MutationPlan): string {
  const lines = [plan.summary, "", `Targets: ${plan.targets.join(", ") || "(none)"}`];
  if (plan.commands.length) lines.push("Will run:", ...plan.commands.map((argv) => `  ${argv.join(" ")}`));
  if (plan.impact.length) lines.push("Impact:", ...plan.impact.map((item) => `  - ${item}`));
  if (plan.preview) {
    const preview = plan.preview.length > PREVIEW_LIMIT ? `${plan.preview.slice(0, PREVIEW_LIMIT)}\n… (preview truncated)` : plan.preview;
    lines.push("Preview:", preview);
  }
  return lines.join("\n");
}

export function consentSchema(plan: MutationPlan): ElicitSchema {
  const schema: ElicitSchema = {
    type: "object",
    properties: { confirm: { type: "boolean", title: "Run this change", description: plan.summary } },
    required: ["confirm"],
  };
  if (plan.typedConfirmation !== undefined) {
    schema.properties.typed = {
      type: "string",
      title: `Type ${plan.typedConfirmation} to confirm`,
      description: `This cannot be undone. Type "${plan.typedConfirmation}" exactly to go ahead.`,
    };
    schema.required.push("typed");
  }
  return schema;
}

export async function obtainConsent(
  request: ConsentRequest,
  channel: ConsentChannel,
  config: Pick<Config, "consent" | "consentTimeoutMs" | "allowUnconfirmedDestructive">,
  tokens: PlanTokenStore,
): Promise<ConsentOutcome> {
  const { plan } = request;
  if (config.consent === "auto") return { kind: "granted", via: "auto" };
  if (config.consent === "deny") {
    throw new ConsentRefused("this server denies all mutations (--consent deny)", "ask the operator to change the consent mode");
  }
  if (config.consent === "elicit" && channel.canElicit()) {
    const answer = await channel.elicit(describePlan(plan), consentSchema(plan), config.consentTimeoutMs).catch((error: Error) => {
      throw new ConsentRefused(`the consent request failed or timed out (${error.message}); nothing ran`);
    });
    if (answer.action !== "accept") throw new ConsentRefused(`the user chose ${answer.action}; nothing ran`);
    if (answer.content?.confirm !== true) throw new ConsentRefused("the user did not confirm; nothing ran");
    if (plan.typedConfirmation !== undefined && answer.content?.typed !== plan.typedConfirmation) {
      throw new ConsentRefused(`the typed confirmation did not match "${plan.typedConfirmation}"; nothing ran`);
    }
    return { kind: "granted", via: "elicitation" };
  }
  if (request.destructive && !config.allowUnconfirmedDestructive) {
    throw new ConsentRefused(
      "this change is destructive and needs the user's typed confirmation, but this client cannot ask the user (no elicitation); nothing ran",
      "use a client that supports elicitation, or have the operator set allowUnconfirmedDestructive in the server config",
    );
  }
  const binding = { caller: request.caller, tool: request.tool, args: request.args, targets: plan.targets };
  if (request.planToken === undefined) {
    const issued = tokens.issue(binding);
    return { kind: "plan-issued", token: issued.token, expiresAt: issued.expiresAt };
  }
  const check = tokens.redeem(request.planToken, binding);
  if (!check.ok) throw new ConsentRefused(`plan token refused: ${check.reason}; nothing ran`, "call again without planToken to get a fresh plan");
  if (plan.typedConfirmation !== undefined && request.confirm !== plan.typedConfirmation) {
    throw new ConsentRefused(
      `this change needs confirm: "${plan.typedConfirmation}" together with the plan token; nothing ran`,
      "call again without planToken to get a fresh plan, then present it with the confirm value",
    );
  }
  return { kind: "granted", via: "plan-token" };
}
