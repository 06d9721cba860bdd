// The key of the guard's verdict in a result's `_meta` (decision, rule, plan id): what clients and
// harnesses read instead of parsing the text.
export const VERDICT_META_KEY = "io.github.talos-mcp/verdict";
