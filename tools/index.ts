// Every tool's spec, loaded at import, in the order of tools/modules.ts (grouped by toolset), for
// code that wants every spec: tests, the eval host, the fuzzers, the manifest build. The server
// itself lists tools from the manifest and loads a tool's module at its first call.
import type { AnyToolSpec } from "../src/server/tool-spec.js";
import { loadToolModule, TOOL_MODULES, type ToolModule } from "./modules.js";

export const ALL_TOOLS: readonly AnyToolSpec[] = await Promise.all((Object.keys(TOOL_MODULES) as ToolModule[]).map(loadToolModule));
