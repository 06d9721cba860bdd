// Which tools a session sees. Filters apply in a fixed order — toolsets → tools → disable-tools →
// role ceiling (the role the tool's risk implies, or its Talos role if higher) → read-only — and
// read-only always wins. They read only a tool's facts (name, toolset, risk, minRole), which a
// starting server takes from the build's tool manifest (src/server/tool-catalog.ts). A tool that is filtered out is neither listed nor callable (the guard
// looks tools up in the filtered list only). Resources follow the toolset filters
// (resources/index.ts); prompts are listed only when every tool they need is.
import type { Config } from "../config-types.js";
import { requiredRole, roleAllows, type Role } from "./roles.js";
import type { Caller, Risk, Toolset } from "./tool-spec.js";
import type { ToolFacts } from "./tool-manifest.js";

/** Risks that change a live cluster or Omni and therefore need consent. */
export const MUTATING_RISKS: readonly Risk[] = ["mutate", "destructive", "irreversible"];

export function isMutation(risk: Risk): boolean {
  return MUTATING_RISKS.includes(risk);
}

export interface FilterInput {
  config: Pick<Config, "toolsets" | "tools" | "disableTools" | "readOnly">;
  caller: Pick<Caller, "toolsets">;
  effectiveRole: Role;
}

export type FilterStage = "toolsets" | "tools" | "disable-tools" | "role-ceiling" | "read-only";

/** Whether the server's and the caller's toolsets both include `toolset`. */
export function toolsetEnabled(toolset: Toolset, { config, caller }: Pick<FilterInput, "config" | "caller">): boolean {
  return (!config.toolsets || config.toolsets.includes(toolset)) && (!caller.toolsets || caller.toolsets.includes(toolset));
}

/** Why a tool is hidden, or undefined when it is visible. */
export function hiddenBy(spec: ToolFacts, { config, caller, effectiveRole }: FilterInput): FilterStage | undefined {
  if (!toolsetEnabled(spec.toolset, { config, caller })) return "toolsets";
  if (config.tools && !config.tools.includes(spec.name)) return "tools";
  if (config.disableTools.includes(spec.name)) return "disable-tools";
  if (!roleAllows(effectiveRole, requiredRole(spec))) return "role-ceiling";
  if (config.readOnly && spec.risk !== "read") return "read-only";
  return undefined;
}

export function visibleTools<T extends ToolFacts>(all: readonly T[], input: FilterInput): T[] {
  return all.filter((spec) => hiddenBy(spec, input) === undefined);
}
