// Expected failures a tool or the wrapper reports to the model as `isError` results. Each carries
// what to do next, because a model can only act on an error that says how to fix it.
import type { RuleId } from "../policy/rule-ids.js";

/** A failure the caller can fix (bad input, CLI error, missing prerequisite). */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly details: { next?: string; field?: string; cliMessage?: string; exitCode?: number } = {},
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/** A refusal by a rule: nothing ran. */
export class PolicyDenied extends Error {
  constructor(
    readonly rule: RuleId,
    readonly reason: string,
    readonly fix?: string,
  ) {
    super(`Denied by rule ${rule}: ${reason}`);
    this.name = "PolicyDenied";
  }
}

/** The user did not confirm (declined, cancelled, timed out, or no consent channel). */
export class ConsentRefused extends Error {
  constructor(
    readonly reason: string,
    readonly next?: string,
  ) {
    super(reason);
    this.name = "ConsentRefused";
  }
}
