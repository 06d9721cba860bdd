// `{{name}}` in setup arguments and scripts: a node's name becomes its address (Talos) or machine
// id (Omni), since every run picks its own loopback block; `{{workspace}}` and `{{factoryHost}}`
// name the run's workspace and stand-in Image Factory; `{{saved.KEY.path}}` reads a field of a
// result a script step saved.
import { EvalInputError } from "./errors.js";
import { valueAt } from "./checks.js";

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export class PlaceholderError extends EvalInputError {
  override name = "PlaceholderError";
}

export interface PlaceholderValues {
  vars: Record<string, string>;
  saved?: Record<string, unknown>;
}

function lookup(name: string, values: PlaceholderValues): string {
  if (name.startsWith("saved.")) {
    const value = valueAt(values.saved ?? {}, name.slice("saved.".length));
    if (value === undefined) throw new PlaceholderError(`{{${name}}}: no saved result has this field (save a step's result with save: KEY first)`);
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  const value = values.vars[name];
  if (value === undefined) throw new PlaceholderError(`{{${name}}} is not known here (known: ${Object.keys(values.vars).sort().join(", ")})`);
  return value;
}

/** Replaces placeholders in every string of a JSON-like value. */
export function fillPlaceholders<T>(value: T, values: PlaceholderValues): T {
  if (typeof value === "string") return value.replace(PLACEHOLDER, (_match, name: string) => lookup(name, values)) as T;
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, values)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillPlaceholders(item, values)])) as T;
  return value;
}
